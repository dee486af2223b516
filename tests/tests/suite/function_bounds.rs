//! Functions at their limits, through the real binary (an abort would show
//! as a signal, not an exit code): long chains of user functions, and
//! built-in calls whose results would be too large (issue 16, item 9).

use crate::support::Workdir;

/// `f1(x)` calls `f2(x)` ... calls `fN(x)`; each adds 1 on the way back,
/// so `f1(0)` is `N - 1`.
fn chain(n: usize) -> String {
    let mut config = String::new();
    for i in 1..n {
        config.push_str(&format!(
            "function \"f{i}\" {{\n  params = {{ x = number }}\n  result = f{}(x) + 1\n}}\n\n",
            i + 1
        ));
    }
    config.push_str(&format!(
        "function \"f{n}\" {{\n  params = {{ x = number }}\n  result = x\n}}\n\noutput \"top\" {{\n  value = f1(0)\n}}\n"
    ));
    config
}

#[test]
fn a_chain_of_64_user_functions_is_not_reported_as_recursion() {
    for n in [64, 65, 1000] {
        let w = Workdir::new(&chain(n));
        let r = w.expect(&["eval", "f1(0)"], 0);
        assert_eq!(r.stdout, format!("{}\n", n - 1), "{}", r.stderr);
        let r = w.expect(&["plan", "--no-color"], 0);
        assert!(r.stdout.contains(&format!("{}", n - 1)), "{}", r.stdout);
    }
}

#[test]
fn a_chain_past_the_depth_limit_names_the_limit_not_recursion() {
    let w = Workdir::new(&chain(1001));
    let r = w.expect(&["eval", "f1(0)"], 1);
    assert!(r.stderr.contains("function::too-deep"), "{}", r.stderr);
    assert!(r.stderr.contains("more than 1000 deep"), "{}", r.stderr);
    assert!(!r.stderr.contains("calls itself"), "{}", r.stderr);
}

#[test]
fn builtin_results_past_the_size_limit_are_too_large_not_an_abort() {
    let w = Workdir::new("locals {\n  x = 1\n}\n");
    for expr in [
        r#"indent(999999999, "a\nb")"#,
        "setproduct(range(1000), range(1000), range(1000))",
        r#"format("%999999999d", 1)"#,
    ] {
        let r = w.expect(&["eval", expr], 1);
        assert!(
            r.stderr.contains("function::too-large"),
            "{expr}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("the result would be too large"),
            "{expr}: {}",
            r.stderr
        );
    }
}

#[test]
fn fileset_does_not_follow_a_symlinked_directory_back_up_the_tree() {
    let w = Workdir::new("locals {\n  x = 1\n}\n");
    w.write("site/a.txt", "a");
    w.write("site/sub/b.txt", "b");
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", w.path().join("site/sub/up")).expect("symlink");
    let r = w.expect(&["eval", "--json", r#"fileset("site", "**")"#], 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
    assert_eq!(
        v["value"],
        serde_json::json!(["a.txt", "sub/b.txt"]),
        "{}",
        r.stdout
    );
}
