//! Go's `fmt` forms of template values.

use super::*;
use crate::template::value::Value;

fn s(v: &str) -> Value {
    Value::str(v)
}

#[test]
fn prints_as_go() {
    let m = Value::map(
        [
            ("b".to_string(), Value::Nil),
            ("a".to_string(), Value::Float(1e6)),
        ]
        .into_iter()
        .collect(),
    );
    assert_eq!(print_value(&m), "map[a:1e+06 b:<nil>]");
    assert_eq!(
        print_value(&Value::list(vec![s("x"), Value::Float(591.0)])),
        "[x 591]"
    );
    assert_eq!(
        sprint(&[s("a"), Value::Int(1), Value::Int(2), s("b")]),
        "a1 2b"
    );
    assert_eq!(sprintln(&[s("a"), Value::Int(1)]), "a 1\n");
    assert_eq!(sprint(&[Value::Nil]), "<nil>");
}

#[test]
fn printf_as_go() {
    let f = |fmt: &str, args: &[Value]| sprintf(fmt, args);
    assert_eq!(
        f(
            "%d|%5d|%-5d|%05d",
            &[Value::Int(3), Value::Int(-3), Value::Int(3), Value::Int(-3)]
        ),
        "3|   -3|3    |-0003"
    );
    assert_eq!(
        f(
            "%x %X %o %b %#x",
            &[
                Value::Int(255),
                Value::Int(255),
                Value::Int(8),
                Value::Int(5),
                Value::Int(255)
            ]
        ),
        "ff FF 10 101 0xff"
    );
    assert_eq!(f("%d", &[Value::Float(591.0)]), "%!d(float64=591)");
    assert_eq!(f("%s", &[Value::Float(1.5)]), "%!s(float64=1.5)");
    assert_eq!(
        f(
            "%.2f|%e|%g|%8.3f",
            &[
                Value::Float(1.0),
                Value::Float(1234.5),
                Value::Float(1e21),
                Value::Float(-2.34567)
            ]
        ),
        "1.00|1.234500e+03|1e+21|  -2.346"
    );
    assert_eq!(
        f(
            "%q %v %T %T",
            &[s("a\"b"), Value::Nil, Value::Float(1.0), Value::Nil]
        ),
        "\"a\\\"b\" <nil> float64 <nil>"
    );
    assert_eq!(f("%d %d", &[Value::Int(1)]), "1 %!d(MISSING)");
    assert_eq!(f("%d", &[Value::Int(1), s("x")]), "1%!(EXTRA string=x)");
    assert_eq!(f("%!", &[]), "%!!(MISSING)");
    assert_eq!(f("%", &[]), "%!(NOVERB)");
    assert_eq!(
        f(
            "%*d|%-*d",
            &[Value::Int(4), Value::Int(1), Value::Int(3), Value::Int(2)]
        ),
        "   1|2  "
    );
    assert_eq!(f("%*d", &[s("x"), Value::Int(1)]), "%!(BADWIDTH)1");
    assert_eq!(f("%[2]d %[1]d", &[Value::Int(1), Value::Int(2)]), "2 1");
    assert_eq!(f("%[3]d", &[Value::Int(1)]), "%!d(BADINDEX)");
    assert_eq!(f("%.3s|%5.1s|", &[s("abcdef"), s("xyz")]), "abc|    x|");
    assert_eq!(
        f("%x|% x|%#x", &[s("hi"), s("hi"), s("hi")]),
        "6869|68 69|0x6869"
    );
    assert_eq!(
        f(
            "%c%c|%U|%#U",
            &[
                Value::Int(65),
                Value::Int(0xe9),
                Value::Int(0x41),
                Value::Int(0x41)
            ]
        ),
        "Aé|U+0041|U+0041 'A'"
    );
    assert_eq!(
        f("%t %v", &[Value::Bool(true), Value::Bool(false)]),
        "true false"
    );
    assert_eq!(
        f("%v", &[Value::list(vec![Value::Nil, s("a")])]),
        "[<nil> a]"
    );
    assert_eq!(
        f("%d", &[Value::list(vec![Value::Float(1.0), Value::Int(2)])]),
        "[%!d(float64=1) 2]"
    );
    assert_eq!(
        f("%#v", &[Value::list(vec![s("a"), Value::Nil])]),
        "[]interface {}{\"a\", interface {}(nil)}"
    );
    assert_eq!(
        f(
            "%+d|% d|%+.1e",
            &[Value::Int(5), Value::Int(5), Value::Float(12.0)]
        ),
        "+5| 5|+1.2e+01"
    );
    assert_eq!(
        f("%#g|%#.3g", &[Value::Float(1.0), Value::Float(2.0)]),
        "1.00000|2.00"
    );
    assert_eq!(f("%6.2f%%", &[Value::Float(99.5)]), " 99.50%");
    assert_eq!(f("%v", &[Value::Complex(1.0, -2.0)]), "(1-2i)");
}

#[test]
fn printf_takes_any_format() {
    let alphabet: Vec<char> = "%[]1*.-+# 0dvxqé".chars().collect();
    let args = [
        Value::Int(-3),
        Value::str("é"),
        Value::Float(f64::NAN),
        Value::list(vec![Value::Nil, Value::Byte(7)]),
    ];
    let mut format = [0usize; 4];
    loop {
        let f: String = format.iter().map(|&i| alphabet[i]).collect();
        for n in 0..=args.len() {
            let _ = sprintf(&f, &args[..n]);
        }
        // next format of the same length, in the alphabet's order
        let mut i = 0;
        loop {
            if i == format.len() {
                return;
            }
            format[i] += 1;
            if format[i] < alphabet.len() {
                break;
            }
            format[i] = 0;
            i += 1;
        }
    }
}
