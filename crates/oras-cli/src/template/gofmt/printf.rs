//! Go's `fmt.Sprintf` driver: flags, width, precision, `*`, `%[n]` argument indexes, and the
//! error forms (`%!d(MISSING)`, `%!(EXTRA …)`, `%!(BADWIDTH)`, `%!(NOVERB)`).

use super::{Flags, Printer, TOO_LARGE};
use crate::template::value::Value;

/// Go's `parsenum`: a decimal number at `s[i..]`, with the index after it.
fn parse_num(s: &[u8], mut i: usize) -> (Option<usize>, usize) {
    let mut n: usize = 0;
    let mut any = false;
    while i < s.len() && s[i].is_ascii_digit() {
        if n > TOO_LARGE {
            return (None, s.len());
        }
        n = n * 10 + usize::from(s[i] - b'0');
        any = true;
        i += 1;
    }
    (any.then_some(n), i)
}

/// `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::default();
    let s = format.as_bytes();
    let end = s.len();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut i = 0;
    while i < end {
        let last = i;
        while i < end && s[i] != b'%' {
            i += 1;
        }
        p.buf.push_str(&format[last..i]);
        if i >= end {
            break;
        }
        i += 1;
        p.f = Flags::default();
        let mut good_arg_num = true;
        while i < end {
            match s[i] {
                b'#' => p.f.sharp = true,
                b'0' => p.f.zero = !p.f.minus,
                b'+' => p.f.plus = true,
                b'-' => {
                    p.f.minus = true;
                    p.f.zero = false;
                }
                b' ' => p.f.space = true,
                _ => break,
            }
            i += 1;
        }
        // explicit argument index, width, precision
        let mut arg_index = |i: &mut usize, arg_num: &mut usize, good: &mut bool| -> bool {
            if *i >= end || s[*i] != b'[' {
                return false;
            }
            reordered = true;
            let close = s[*i..].iter().position(|&c| c == b']');
            let Some(close) = close.filter(|_| end - *i >= 3) else {
                *i += 1;
                *good = false;
                return false;
            };
            let (n, after) = parse_num(s, *i + 1);
            let ok = n.is_some() && after == *i + close;
            *i += close + 1;
            match n {
                Some(n) if ok && n >= 1 && n - 1 < args.len() => {
                    *arg_num = n - 1;
                    true
                }
                _ => {
                    *good = false;
                    ok
                }
            }
        };
        let mut after_index = arg_index(&mut i, &mut arg_num, &mut good_arg_num);
        if i < end && s[i] == b'*' {
            i += 1;
            let (w, next) = int_from_arg(args, arg_num);
            arg_num = next;
            match w {
                Some(w) if w < 0 => {
                    p.f.wid = Some(w.unsigned_abs() as usize);
                    p.f.minus = true;
                    p.f.zero = false;
                }
                Some(w) => p.f.wid = Some(w as usize),
                None => p.buf.push_str("%!(BADWIDTH)"),
            }
            after_index = false;
        } else {
            let (w, next) = parse_num(s, i);
            p.f.wid = w;
            i = next;
            if after_index && w.is_some() {
                good_arg_num = false;
            }
        }
        if i + 1 < end && s[i] == b'.' {
            i += 1;
            if after_index {
                good_arg_num = false;
            }
            after_index = arg_index(&mut i, &mut arg_num, &mut good_arg_num);
            if i < end && s[i] == b'*' {
                i += 1;
                let (pr, next) = int_from_arg(args, arg_num);
                arg_num = next;
                match pr {
                    Some(pr) if pr >= 0 => p.f.prec = Some(pr as usize),
                    _ => {
                        p.f.prec = None;
                        p.buf.push_str("%!(BADPREC)");
                    }
                }
                after_index = false;
            } else {
                let (pr, next) = parse_num(s, i);
                p.f.prec = Some(pr.unwrap_or(0));
                i = next;
            }
        }
        if !after_index {
            arg_index(&mut i, &mut arg_num, &mut good_arg_num);
        }
        if i >= end {
            p.buf.push_str("%!(NOVERB)");
            break;
        }
        let verb = format[i..].chars().next().unwrap_or('?');
        i += verb.len_utf8();
        if verb == '%' {
            p.buf.push('%');
        } else if !good_arg_num {
            p.buf.push_str(&format!("%!{verb}(BADINDEX)"));
        } else if arg_num >= args.len() {
            p.buf.push_str(&format!("%!{verb}(MISSING)"));
        } else {
            if verb == 'v' {
                p.f.sharp_v = p.f.sharp;
                p.f.sharp = false;
                p.f.plus_v = p.f.plus;
                p.f.plus = false;
            }
            p.print_arg(&args[arg_num], verb);
            arg_num += 1;
        }
    }
    if !reordered && arg_num < args.len() {
        p.f = Flags::default();
        p.buf.push_str("%!(EXTRA ");
        for (i, a) in args[arg_num..].iter().enumerate() {
            if i > 0 {
                p.buf.push_str(", ");
            }
            if a.is_nil() {
                p.buf.push_str("<nil>");
            } else {
                p.buf.push_str(&a.type_name());
                p.buf.push('=');
                p.print_arg(a, 'v');
            }
        }
        p.buf.push(')');
    }
    p.buf
}

/// Go's `intFromArg`: the argument as a `*` width or precision, and the next argument index.
fn int_from_arg(args: &[Value], arg_num: usize) -> (Option<i64>, usize) {
    let Some(a) = args.get(arg_num) else {
        return (None, arg_num);
    };
    let n = a.as_int().filter(|n| n.unsigned_abs() <= TOO_LARGE as u64);
    (n, arg_num + 1)
}
