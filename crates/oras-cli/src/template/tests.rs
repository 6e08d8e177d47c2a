//! Executor tests: templates rendered against JSON models as oras renders them, with the
//! output and error texts Go's `text/template` (plus sprig) gives for the same input.

use serde_json::json;

fn model() -> serde_json::Value {
    json!({
        "reference": "localhost:5000/repo@sha256:abc",
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:abc",
        "size": 591,
        "big": 1234567,
        "null": null,
        "tags": ["v1", "v2"],
        "annotations": {"k": "v", "a": "<b>"},
        "referrers": [
            {"artifactType": "t/x", "size": 10, "referrers": [{"artifactType": "t/y", "size": 1}]},
            {"artifactType": "t/z", "size": 20}
        ],
        "files": null,
        "empty": []
    })
}

fn run(t: &str) -> Result<String, String> {
    let m = model();
    super::on_template_thread(|| {
        let tmpls = super::parse(t)?;
        super::exec::execute(
            &tmpls,
            t,
            super::value::Value::from_json(&m),
            super::STACK_BUDGET,
        )
    })
}

fn ok(t: &str) -> String {
    run(t).unwrap_or_else(|e| panic!("{t:?}: {e}"))
}

fn err(t: &str) -> String {
    run(t).expect_err(t)
}

#[test]
fn prints_values_as_go() {
    assert_eq!(
        ok("{{.size}} {{.big}} {{.digest}}"),
        "591 1.234567e+06 sha256:abc"
    );
    assert_eq!(ok("{{.tags}}|{{.annotations}}"), "[v1 v2]|map[a:<b> k:v]");
    assert_eq!(
        ok("{{.nope}}|{{.null}}|{{.nope.deeper}}"),
        "<no value>|<no value>|<no value>"
    );
    assert_eq!(
        ok("{{print .nope}}|{{print .null}}|{{printf \"%v\" .null}}"),
        "<nil>|<nil>|<nil>"
    );
    assert_eq!(
        ok("{{1}} {{1.5}} {{0x10}} {{'a'}} {{1e3}} {{true}} {{\"s\"}} {{`r`}}"),
        "1 1.5 16 97 1000 true s r"
    );
    assert_eq!(ok("{{2i}} {{1+2i}}"), "(0+2i) (1+2i)");
    assert_eq!(ok("{{(index .referrers 0).artifactType}}"), "t/x");
    assert_eq!(ok("{{(first .referrers).artifactType}}"), "t/x");
    assert_eq!(ok("{{(first .empty).x}}|{{len .tags}}"), "<no value>|2");
}

#[test]
fn pipelines_variables_and_control() {
    assert_eq!(ok("{{$x := .size}}{{$x}}{{$x = 2}}{{$x}}"), "5912");
    assert_eq!(ok("{{.digest | printf \"%s!\"}}"), "sha256:abc!");
    assert_eq!(ok("{{if .nope}}a{{else if .size}}b{{else}}c{{end}}"), "b");
    assert_eq!(
        ok("{{with .annotations}}{{.k}}{{end}}{{with .nope}}x{{else}}y{{end}}"),
        "vy"
    );
    assert_eq!(
        ok("{{range $i, $r := .referrers}}{{$i}}:{{$r.artifactType}},{{end}}"),
        "0:t/x,1:t/z,"
    );
    assert_eq!(
        ok("{{range $k, $v := .annotations}}{{$k}}={{$v}};{{end}}"),
        "a=<b>;k=v;"
    );
    assert_eq!(
        ok("{{range .files}}x{{else}}none{{end}}|{{range .tags}}{{.}}{{else}}none{{end}}"),
        "none|v1v2"
    );
    assert_eq!(
        ok("{{range .tags}}{{if eq . \"v1\"}}{{continue}}{{end}}{{.}}{{end}}"),
        "v2"
    );
    assert_eq!(ok("{{range .tags}}{{.}}{{break}}{{end}}"), "v1");
    assert_eq!(
        ok("{{range 3}}{{.}}{{end}}|{{range $v := 2}}{{$v}}{{end}}"),
        "012|01"
    );
    assert_eq!(
        ok("{{$x := 1}}{{range .tags}}{{$x = .}}{{end}}{{$x}}"),
        "v2"
    );
    assert_eq!(ok("{{range $i, $e := .tags}}{{end}}{{$.size}}"), "591");
    assert_eq!(ok("{{- /* c */ -}} a {{- 1 -}} b"), "a1b");
    assert_eq!(
        ok("{{and 1 0 2}} {{or 0 \"\" \"x\"}} {{not .nope}} {{and .size .digest}}"),
        "0 x true sha256:abc"
    );
}

#[test]
fn templates_blocks_and_recursion() {
    assert_eq!(
        ok("{{define \"t\"}}[{{.}}]{{end}}{{template \"t\" .size}}{{template \"t\"}}"),
        "[591][<no value>]"
    );
    assert_eq!(ok("{{block \"b\" .digest}}<{{.}}>{{end}}"), "<sha256:abc>");
    // a discover tree printed by a recursive template
    let tree = "{{define \"tree\"}}{{range .referrers}}({{.artifactType}}{{template \"tree\" .}}){{end}}{{end}}{{template \"tree\" .}}";
    assert_eq!(ok(tree), "(t/x(t/y))(t/z)");
    assert_eq!(
        ok("{{define \"format output\"}}replaced{{end}}"),
        "replaced"
    );
    let e = err("{{define \"x\"}}{{template \"x\"}}{{end}}{{template \"x\"}}");
    assert_eq!(
        e,
        "template: format output:1:25: executing \"x\" at <{{template \"x\"}}>: exceeded maximum template depth (10000)"
    );
    // nested blocks inside the recursion are stopped by the stack bound with the same error
    let deep = format!(
        "{{{{define \"x\"}}}}{}{{{{template \"x\"}}}}{}{{{{end}}}}{{{{template \"x\"}}}}",
        "{{if 1}}".repeat(300),
        "{{end}}".repeat(300)
    );
    assert!(
        err(&deep).ends_with("exceeded maximum template depth (10000)"),
        "{}",
        err(&deep)
    );
    assert_eq!(
        err("{{template \"nope\"}}"),
        "template: format output:1:11: executing \"format output\" at <{{template \"nope\"}}>: template \"nope\" not defined"
    );
}

#[test]
fn execution_errors_as_go() {
    let e = |m: &str| format!("template: format output:{m}");
    assert_eq!(
        err("{{.size.x}}"),
        e(
            "1:7: executing \"format output\" at <.size.x>: can't evaluate field x in type interface {}"
        )
    );
    assert_eq!(
        err("{{.null.x}}"),
        e("1:7: executing \"format output\" at <.null.x>: nil pointer evaluating interface {}.x")
    );
    assert_eq!(
        err("{{$x := .size}}{{$x.y}}"),
        e("1:19: executing \"format output\" at <$x.y>: can't evaluate field y in type float64")
    );
    assert_eq!(
        err("{{eq .size 591}}"),
        e(
            "1:2: executing \"format output\" at <eq .size 591>: error calling eq: incompatible types for comparison: float64 and int"
        )
    );
    assert_eq!(ok("{{eq .size 591.0}} {{lt (len .tags) 3}}"), "true true");
    assert_eq!(
        err("{{range .size}}{{end}}"),
        e("1:8: executing \"format output\" at <.size>: range can't iterate over 591")
    );
    assert_eq!(
        err("{{upper .size}}"),
        e(
            "1:8: executing \"format output\" at <.size>: wrong type for value; expected string; got float64"
        )
    );
    assert_eq!(
        err("{{upper 5}}"),
        e("1:8: executing \"format output\" at <5>: expected string; found 5")
    );
    assert_eq!(
        err("{{len .size}}"),
        e(
            "1:2: executing \"format output\" at <len .size>: error calling len: len of type float64"
        )
    );
    assert_eq!(
        err("{{index .tags 5}}"),
        e(
            "1:2: executing \"format output\" at <index .tags 5>: error calling index: index out of range: 5"
        )
    );
    assert_eq!(
        err("{{first .digest}}"),
        e(
            "1:2: executing \"format output\" at <first .digest>: error calling first: Cannot find first on type string"
        )
    );
    assert_eq!(
        err("{{printf}}"),
        e(
            "1:2: executing \"format output\" at <printf>: wrong number of args for printf: want at least 1 got 0"
        )
    );
    assert_eq!(
        err("{{.digest 1}}"),
        e(
            "1:2: executing \"format output\" at <.digest>: digest is not a method but has arguments"
        )
    );
    assert_eq!(
        err("{{nil}}"),
        e("1:2: executing \"format output\" at <nil>: nil is not a command")
    );
    // the error is at the last node evaluated, as in Go
    assert_eq!(
        err("{{$x = 1}}"),
        e("1:7: executing \"format output\" at <1>: undefined variable: $x")
    );
    assert_eq!(
        err("{{first .files}}"),
        e(
            "1:2: executing \"format output\" at <first .files>: error calling first: runtime error: invalid memory address or nil pointer dereference"
        )
    );
    assert_eq!(
        err("{{call .size}}"),
        e(
            "1:2: executing \"format output\" at <call .size>: error calling call: non-function .size of type float64"
        )
    );
    assert_eq!(
        err("line\n{{fail \"boom\"}}"),
        e("2:2: executing \"format output\" at <fail \"boom\">: error calling fail: boom")
    );
}

#[test]
fn parse_errors_as_go() {
    let e = |m: &str| format!("template: format output:{m}");
    assert_eq!(err("{{\"\\u0e9\"}}"), e("1: invalid syntax"));
    assert_eq!(err("{{\"\\x4\"}}"), e("1: invalid syntax"));
    assert_eq!(err("{{\"\\é\"}}"), e("1: invalid syntax"));
    assert_eq!(ok("{{.annotations.é}}"), "<no value>");
    assert_eq!(
        err("{{99999999999999999999}}"),
        e("1: integer overflow: \"99999999999999999999\"")
    );
    assert_eq!(err("{{1e999}}"), e("1: illegal number syntax: \"1e999\""));
    assert_eq!(err("{{'ab'}}"), e("1: malformed character constant: 'ab'"));
    assert_eq!(
        err("{{\"a\".b}}"),
        e("1: unexpected . after term \"\\\"a\\\"\"")
    );
    assert_eq!(
        err("{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}"),
        e("1: template: multiple definition of template \"a\"")
    );
    assert_eq!(
        ok("{{define \"a\"}} {{end}}{{define \"a\"}}y{{end}}{{template \"a\"}}"),
        "y"
    );
    assert_eq!(
        err("{{$x := 1}}{{block \"b\" .}}{{$x}}{{end}}"),
        e("1: undefined variable \"$x\"")
    );
    assert_eq!(
        err("{{range .}}{{block \"d\" .}}{{break}}{{end}}{{end}}"),
        e("1: {{break}} outside {{range}}")
    );
    assert_eq!(
        err("{{if 1}}{{define \"d\"}}{{end}}{{end}}"),
        e("1: unexpected <define> in command")
    );
    assert_eq!(
        err("{{range $i, }}{{end}}"),
        e("1: missing value for range")
    );
    assert_eq!(
        err("{{range $i, 1}}{{end}}"),
        e("1: range can only initialize variables")
    );
    assert_eq!(
        err("{{with $x, $y := 1}}{{end}}"),
        e("1: too many declarations in with")
    );
    assert_eq!(
        err("{{regexMatch \"a\" \"b\"}}"),
        e("1: function \"regexMatch\" is not supported here")
    );
    assert_eq!(err("{{nosuch}}"), e("1: function \"nosuch\" not defined"));
    let deep = format!("{{{{{}1{}}}}}", "(".repeat(10_001), ")".repeat(10_001));
    assert_eq!(err(&deep), e("1: max expression depth exceeded"));
    let ok_deep = format!("{{{{print {}1{}}}}}", "(".repeat(5_000), ")".repeat(5_000));
    assert_eq!(ok(&ok_deep), "1");
}

#[test]
fn sprig_functions_in_templates() {
    assert_eq!(
        ok("{{toJson .annotations}}"),
        r#"{"a":"\u003cb\u003e","k":"v"}"#
    );
    assert_eq!(ok("{{toRawJson .annotations}}"), r#"{"a":"<b>","k":"v"}"#);
    assert_eq!(
        ok("{{toJson .big}} {{toJson .tags}}"),
        "1234567 [\"v1\",\"v2\"]"
    );
    assert_eq!(ok("{{toPrettyJson .tags}}"), "[\n  \"v1\",\n  \"v2\"\n]");
    assert_eq!(ok("{{.digest | upper | trimPrefix \"SHA256:\"}}"), "ABC");
    assert_eq!(
        ok("{{join \",\" .tags}} {{.tags | join \"-\"}}"),
        "v1,v2 v1-v2"
    );
    assert_eq!(
        ok("{{splitList \"/\" .reference | last}}"),
        "repo@sha256:abc"
    );
    assert_eq!(
        ok("{{.nope | default \"none\"}} {{default \"d\" .digest}}"),
        "none sha256:abc"
    );
    assert_eq!(ok("{{keys .annotations | sortAlpha | join \" \"}}"), "a k");
    assert_eq!(
        ok("{{has \"v2\" .tags}} {{contains \"abc\" .digest}} {{hasSuffix \"c\" .digest}}"),
        "true true true"
    );
    assert_eq!(
        ok("{{$d := dict \"a\" 1 \"b\" (list 1 2)}}{{$d.b}} {{get $d \"a\"}}"),
        "[1 2] 1"
    );
    assert_eq!(
        ok("{{add 1 2 .size}} {{sub .size 1}} {{len (uniq (list 1 1 2))}}"),
        "594 590 2"
    );
    assert_eq!(
        ok("{{.digest | quote}} {{squote .digest}} {{indent 2 \"a\\nb\"}}"),
        "\"sha256:abc\" 'sha256:abc'   a\n  b"
    );
    assert_eq!(
        ok("{{replace \"sha256:\" \"\" .digest}} {{trim \"  x \"}} {{lower \"AB\"}}"),
        "abc x ab"
    );
    assert_eq!(
        ok("{{typeOf .size}} {{typeOf .tags}} {{kindOf .annotations}}"),
        "float64 []interface {} map"
    );
    assert_eq!(
        ok("{{html .annotations.a}} {{js \"'\"}} {{urlquery \"a b\"}}"),
        "&lt;b&gt; \\' a+b"
    );
    assert_eq!(
        ok("{{printf \"%d-%05.1f-%x\" 42 2.34567 255}}"),
        "42-002.3-ff"
    );
    assert_eq!(ok("{{println 1 2}}"), "1 2\n");
}

#[test]
fn hostile_templates_end_cleanly() {
    for t in [
        "{{range until 1000000}}{{range until 1000000}}{{end}}{{end}}",
        "{{range $i := until 100000}}{{repeat 100000 \"x\"}}{{end}}",
        "{{until 999999999999}}",
        "{{repeat 999999999999 \"x\"}}",
        "{{printf \"%9999999d\" 1}}{{printf \"%9999999d\" 1}}",
    ] {
        // errors or output, never a hang or a crash
        let _ = run(t);
    }
    assert!(err("{{range until 1000000}}{{range until 1000000}}{{end}}{{end}}").contains("steps"));
    // the deepest nesting one argument holds (128 KiB): parsed and executed, or stopped
    let ifs = format!("{}x{}", "{{if 1}}".repeat(9_000), "{{end}}".repeat(9_000));
    assert!(
        run(&ifs).is_ok_and(|o| o == "x") || err(&ifs).contains("depth"),
        "{ifs:.30}"
    );
    let withs = format!(
        "{}{{{{.}}}}{}",
        "{{with .tags}}".repeat(9_000),
        "{{end}}".repeat(9_000)
    );
    assert!(run(&withs).is_ok_and(|o| o == "[v1 v2]") || err(&withs).contains("depth"));
}
