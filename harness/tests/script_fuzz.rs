//! Property tests: `parse` never panics, errors point inside the input, and
//! whatever parses survives print -> parse unchanged.

// Wrapped in `mod script` so that `cargo test -p harness script` selects these tests.
mod script {
    use std::path::PathBuf;

    use harness::script::{ParseError, parse, print};
    use proptest::prelude::*;

    fn corpus() -> Vec<String> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/dialect");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("corpus/dialect exists")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "pkt"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("readable"))
            .collect()
    }

    /// The error position names an existing line, and a column at most one past
    /// that line's last character.
    fn position_inside(src: &str, e: &ParseError) -> bool {
        let lines: Vec<&str> = src.split('\n').collect();
        let Some(line) = (e.line as usize).checked_sub(1).and_then(|i| lines.get(i)) else {
            return false;
        };
        e.col >= 1 && (e.col as usize) <= line.chars().count() + 1
    }

    /// Parses `src`; on error checks the position; on success checks that the
    /// printed script parses back to the same tree.
    fn check(src: &str) -> Result<(), TestCaseError> {
        match parse("fuzz.pkt", src) {
            Err(e) => {
                prop_assert!(
                    position_inside(src, &e),
                    "position outside input: {e}\ninput: {src:?}"
                );
                prop_assert!(!e.to_string().is_empty());
            }
            Ok((script, _)) => {
                let printed = print(&script);
                match parse("fuzz.pkt", &printed) {
                    Ok((again, _)) => prop_assert_eq!(
                        again.without_positions(),
                        script.without_positions(),
                        "input: {:?}\nprinted: {:?}",
                        src,
                        printed
                    ),
                    Err(e) => prop_assert!(
                        false,
                        "printed script does not parse: {e}\ninput: {src:?}\nprinted: {printed:?}"
                    ),
                }
            }
        }
        Ok(())
    }

    const VOCAB: &[&str] = &[
        "(",
        ")",
        "<",
        ">",
        "[",
        "]",
        "{",
        "}",
        ",",
        "=",
        "|",
        "~",
        "+",
        "*",
        ":",
        ".",
        "-",
        "...",
        "`",
        "\"",
        "%{",
        "}%",
        "/*",
        "*/",
        "//",
        "\n",
        " ",
        "0",
        "+0",
        "-1",
        "0x1f",
        ".5",
        "1:1(0)",
        "S.",
        "P.",
        "F5.",
        "ack",
        "win",
        "urg",
        "<...>",
        "sack",
        "TS",
        "val",
        "ecr",
        "mss",
        "nop",
        "wscale",
        "FO",
        "md5",
        "ECN",
        "opt",
        "udp",
        "icmp",
        "[ect0]",
        "(tos 0x2)",
        "--x=1",
        "ERR_OK",
        "a=b",
        "htons(1)",
        "\"s\"",
        "EINPROGRESS",
        "(note)",
        "tcp_write(4, 1, COPY)",
        "192.0.2.1",
        "é",
    ];

    #[derive(Debug, Clone)]
    enum Mutation {
        DeleteChar(usize),
        InsertChar(usize, char),
        SwapChars(usize, usize),
        DeleteToken(usize),
        DuplicateToken(usize),
        SwapTokens(usize, usize),
        InsertToken(usize, usize),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            any::<usize>().prop_map(Mutation::DeleteChar),
            (any::<usize>(), any::<char>()).prop_map(|(i, c)| Mutation::InsertChar(i, c)),
            (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::SwapChars(i, j)),
            any::<usize>().prop_map(Mutation::DeleteToken),
            any::<usize>().prop_map(Mutation::DuplicateToken),
            (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Mutation::SwapTokens(i, j)),
            (any::<usize>(), any::<usize>()).prop_map(|(i, v)| Mutation::InsertToken(i, v)),
        ]
    }

    /// Splits into alternating runs of whitespace and non-whitespace, so that
    /// joining the pieces gives the input back.
    fn tokens(s: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for ch in s.chars() {
            let ws = ch.is_whitespace();
            match out.last_mut() {
                Some(last) if last.chars().next().is_some_and(|c| c.is_whitespace() == ws) => {
                    last.push(ch)
                }
                _ => out.push(ch.to_string()),
            }
        }
        out
    }

    fn apply(src: &str, m: &Mutation) -> String {
        let mut chars: Vec<char> = src.chars().collect();
        let mut toks = tokens(src);
        match *m {
            Mutation::DeleteChar(i) if !chars.is_empty() => {
                chars.remove(i % chars.len());
            }
            Mutation::InsertChar(i, c) => {
                let at = i % (chars.len() + 1);
                chars.insert(at, c);
            }
            Mutation::SwapChars(i, j) if !chars.is_empty() => {
                let n = chars.len();
                chars.swap(i % n, j % n);
            }
            Mutation::DeleteToken(i) if !toks.is_empty() => {
                let n = toks.len();
                toks.remove(i % n);
                return toks.concat();
            }
            Mutation::DuplicateToken(i) if !toks.is_empty() => {
                let n = toks.len();
                let t = toks[i % n].clone();
                toks.insert(i % n, t);
                return toks.concat();
            }
            Mutation::SwapTokens(i, j) if !toks.is_empty() => {
                let n = toks.len();
                toks.swap(i % n, j % n);
                return toks.concat();
            }
            Mutation::InsertToken(i, v) => {
                let at = i % (toks.len() + 1);
                toks.insert(at, VOCAB[v % VOCAB.len()].to_string());
                return toks.concat();
            }
            _ => {}
        }
        chars.into_iter().collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let src = String::from_utf8_lossy(&bytes);
            check(&src)?;
        }

        #[test]
        fn random_script_like_text(src in "[-0-9a-zA-Z_ .:<>()\\[\\]{},=|~+*`\"%/\\\\\n\t]{0,300}") {
            check(&src)?;
        }

        #[test]
        fn random_vocabulary_sentences(words in proptest::collection::vec(0..VOCAB.len(), 0..60)) {
            let src: String = words.iter().map(|&i| VOCAB[i]).collect::<Vec<_>>().join(" ");
            check(&src)?;
        }

        #[test]
        fn mutated_corpus_scripts(
            which in any::<usize>(),
            muts in proptest::collection::vec(mutation(), 1..8),
        ) {
            let scripts = corpus();
            let mut src = scripts[which % scripts.len()].clone();
            for m in &muts {
                src = apply(&src, m);
            }
            check(&src)?;
        }
    }

    #[test]
    fn corpus_prefixes_never_panic() {
        // Every prefix of every corpus script (cut at each character).
        for s in corpus() {
            let idx: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
            for &i in &idx {
                let prefix = &s[..i];
                if let Err(e) = parse("prefix.pkt", prefix) {
                    assert!(position_inside(prefix, &e), "{e} for {prefix:?}");
                }
            }
        }
    }
}
