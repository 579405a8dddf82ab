//! Malformed scripts: each error names the right `file:line:column` and
//! says what was expected and what was found.

// Wrapped in `mod script` so that `cargo test -p harness script` selects these tests.
mod script {
    use harness::script::{ParseError, parse};

    fn err(src: &str) -> ParseError {
        match parse("bad.pkt", src) {
            Ok((s, _)) => panic!("parsed but should not have: {src:?}\n{s:?}"),
            Err(e) => e,
        }
    }

    /// Asserts the error's line and column, and that its text contains `expected`
    /// (the "expected ..." part) and `found`.
    #[track_caller]
    fn check(src: &str, line: u32, col: u32, expected: &str, found: &str) {
        let e = err(src);
        assert_eq!((e.line, e.col), (line, col), "{e}");
        assert_eq!(e.file, "bad.pkt");
        assert!(
            e.expected.contains(expected),
            "expected-part {:?} lacks {expected:?}",
            e.expected
        );
        assert_eq!(e.found, found, "{e}");
    }

    #[test]
    fn raw_packets() {
        // Odd digit count, a non-hex digit, no string, outbound.
        check(
            "0 < raw \"450\"\n",
            1,
            9,
            "even number of hex digits",
            "'\"450\"'",
        );
        check(
            "0 < raw \"45zz\"\n",
            1,
            9,
            "even number of hex digits",
            "'\"45zz\"'",
        );
        check("0 < raw 45\n", 1, 9, "in hex, as a string", "'45'");
        check("0 > raw \"4500\"\n", 1, 5, "inbound only", "'raw'");
        // Adjacent strings join, spaces inside are ignored, and the printer
        // writes it back.
        let (s, _) = parse("ok.pkt", "0 < raw \"45 00\" \"0014\"\n").unwrap();
        assert_eq!(
            s.events[0].kind,
            harness::script::EventKind::Raw(vec![0x45, 0, 0, 0x14])
        );
        assert_eq!(
            harness::script::event_to_string(&s.events[0]),
            "0 < raw \"45000014\""
        );
    }

    #[test]
    fn display_format() {
        let e =
            err("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 write(4, ..., 10 win 5) = 10\n");
        assert_eq!(
            e.to_string(),
            "bad.pkt:2:21: expected ')' after arguments, found 'win'"
        );
    }

    #[test]
    fn call_syntax() {
        check("0 close(3 = 0\n", 1, 11, "')' after arguments", "'='");
        check(
            "0 close 3\n",
            1,
            9,
            "'(' after the call name 'close'",
            "'3'",
        );
        check(
            "0 f(a=b=c) = [1, 2\n",
            2,
            1,
            "']' closing the array",
            "end of file",
        );
        check("0 f({a=1, b=2)\n", 1, 14, "'}' closing the struct", "')'");
        check(
            "0 sendmsg(3, {x}, 0) =\n",
            2,
            1,
            "an expression",
            "end of file",
        );
        check(
            "0 f(9999999999999999999)\n",
            1,
            5,
            "an integer that fits in 64 bits",
            "'9999999999999999999'",
        );
        check("0 f(1.5)\n", 1, 5, "an expression", "'1.5'");
        check(
            "0 close(3) = 0 EBADF (Bad file\n",
            2,
            1,
            "')' closing the note",
            "end of file",
        );
        check(
            "0 f(x)\n+0 g(y) = 1 ENOENT (No such file) extra\n",
            2,
            35,
            "the next event's time",
            "'extra'",
        );
        check(
            "0 f(x) ERR_OK\n",
            1,
            8,
            "'= value' or the next event's time",
            "'ERR_OK'",
        );
        check(
            "0 ... accept(3)\n",
            1,
            7,
            "the time the blocking call returns",
            "'accept'",
        );
    }

    #[test]
    fn times() {
        check("-1 close(3) = 0\n", 1, 1, "a non-negative time", "'-1'");
        check("x close(3) = 0\n", 1, 1, "a time", "'x'");
        check(
            "0.2~0.1 > S 0:0(0)\n",
            1,
            5,
            "a range end not before its start",
            "'0.1'",
        );
        check(
            "+1~2 > S 0:0(0)\n",
            1,
            4,
            "'+' starting the end of a relative time range",
            "'2'",
        );
        check("1~+2 > S 0:0(0)\n", 1, 3, "an absolute end time", "'+'");
        check(
            "* < S 0:0(0) win 1\n",
            1,
            3,
            "an outbound packet ('>')",
            "'<'",
        );
        check(
            "0~1 close(3) = 0\n",
            1,
            5,
            "an outbound packet ('>')",
            "'close'",
        );
        check("0\n", 2, 1, "a packet ('<' or '>'), a call", "end of file");
        check(
            "99999999999999 close(3) = 0\n",
            1,
            1,
            "a time that fits",
            "'99999999999999'",
        );
    }

    #[test]
    fn packets() {
        check(
            "0 < S 0:0(0) win 1000\n+0 > S. 0:0(0) ack 1 <mss 1460,bogus 3>\n",
            2,
            32,
            "a TCP option (nop, eol, mss N",
            "'bogus'",
        );
        check(
            "0 < S 0:0(0) win 70000\n",
            1,
            18,
            "a window (0..=65535) after 'win'",
            "'70000'",
        );
        check(
            "0 < S 0:10(0) win 100\n",
            1,
            9,
            "end sequence 0 (start 0 + length 0)",
            "'10'",
        );
        check(
            "0 < S 0:0(70000) win 100\n",
            1,
            11,
            "a payload length (0..=65535)",
            "'70000'",
        );
        check(
            "0 < S 0:0 win 100\n",
            1,
            11,
            "'(' and the payload length",
            "'win'",
        );
        check(
            "0 < SX 0:0(0) win 100\n",
            1,
            6,
            "TCP flags from '.FSRPEWAU'",
            "'X' in 'SX'",
        );
        check(
            "0 < S5E 0:0(0) win 100\n",
            1,
            7,
            "at most one ACE digit",
            "'E' in 'S5E'",
        );
        check("0 < 5 0:0(0) win 100\n", 1, 5, "TCP flags", "'5'");
        check(
            "0 < S 0:0(0) <...>\n",
            1,
            14,
            "allowed only on outbound packets",
            "'<'",
        );
        check(
            "0 < S 0:0(0) win 1 ack 5\n",
            1,
            20,
            "packet fields go in this order",
            "'ack'",
        );
        check(
            "0 < [ect2] S 0:0(0) win 1\n",
            1,
            6,
            "an IP annotation",
            "'ect2'",
        );
        check(
            "0 < [ect0, ce] S 0:0(0) win 1\n",
            1,
            12,
            "at most once",
            "'ce'",
        );
        check(
            "0 < (tos 0x100) S 0:0(0) win 1\n",
            1,
            10,
            "a TOS byte",
            "'0x100'",
        );
        check(
            "0 < [ect0 S 0:0(0) win 1\n",
            1,
            11,
            "',' or ']' in the IP annotation",
            "'S'",
        );
        check(
            "0 > [ect01] S 0:0(0)\n0 < [ect01] S 0:0(0) win 1\n",
            2,
            3,
            "[ect01] (outbound only)",
            "'<'",
        );
        check(
            "0 < ipv4 1.2.3.4 > 5.6.7.8: S 0:0(0) win 1\n",
            1,
            5,
            "lwIP has no IP-in-IP, GRE or MPLS tunnels",
            "'ipv4'",
        );
        check(
            "0 < S 0:0(0) win 1 {mut ip mss}\n",
            1,
            20,
            "fuzzing blocks",
            "'{'",
        );
        check("0 > S 0:0(0) <>\n", 1, 15, "a TCP option", "'>'");
        check(
            "0 > S 0:0(0) <nop nop>\n",
            1,
            19,
            "',' or '>' after a TCP option",
            "'nop'",
        );
        check(
            "0 < S 0:0(0) win 1 <TS val 1>\n",
            1,
            29,
            "'ecr' after the TS value",
            "'>'",
        );
        check(
            "0 < S 0:0(0) win 1 <FO abc>\n",
            1,
            24,
            "an even number of hex digits",
            "'abc'",
        );
        check("0 < S 0:0(0) win 1 <md5>\n", 1, 24, "an MD5 digest", "'>'");
        check(
            "0 < S 0:0(0) win 1 <sack 1-2>\n",
            1,
            27,
            "':' in the SACK block",
            "'-2'",
        );
        check(
            "0 < S 0:0(0) win 1 <wscale 300>\n",
            1,
            28,
            "a shift count (0..=255)",
            "'300'",
        );
        check("0 < icmp 5\n", 1, 10, "an ICMP type name", "'5'");
        check(
            "0 < udp 100\n",
            1,
            9,
            "'(' and the UDP payload length",
            "'100'",
        );
        check(
            "0 < 70000 > 1 S 0:0(0) win 1\n",
            1,
            5,
            "a source port",
            "'70000'",
        );
    }

    #[test]
    fn script_structure() {
        check("", 1, 1, "at least one event", "end of file");
        check(
            "// only a comment\n",
            2,
            1,
            "at least one event",
            "end of file",
        );
        check("`init`\n", 2, 1, "at least one event", "end of file");
        check(
            "0 close(3) = 0\n--late=1\n",
            2,
            1,
            "options '--name=value' go before the first event",
            "'--late=1'",
        );
        check(
            "0 close(3) = 0\n`a`\n+0 close(4) = 0\n",
            2,
            1,
            "a time before this command",
            "'`a`'",
        );
        check(
            "--opt=\n0 f()\n",
            1,
            7,
            "a value after '--opt='",
            "whitespace",
        );
        check(
            "0 f()\n%{ x }%\n",
            2,
            1,
            "the next event's time",
            "'%{ x }%'",
        );
    }

    #[test]
    fn lexical() {
        check(
            "0 write(3, \"abc) = 3\n",
            1,
            12,
            "'\"' closing this string",
            "end of file",
        );
        check(
            "0 close(3) = 0 /* open",
            1,
            16,
            "'*/' closing this comment",
            "end of file",
        );
        check(
            "0 %{ x = 1\n",
            1,
            3,
            "'}%' closing this code block",
            "end of file",
        );
        check(
            "0 `sysctl\n",
            1,
            3,
            "'`' closing this command",
            "end of file",
        );
        check(
            "0 close(3) @ 1\n",
            1,
            12,
            "'= value' or the next event's time",
            "'@'",
        );
        // Columns count characters, not bytes.
        check("0 f(\"é\", §)\n", 1, 10, "an expression", "'§'");
    }

    #[test]
    fn nesting_limit() {
        let deep = format!("0 f({}1{})\n", "[".repeat(200), "]".repeat(200));
        let e = err(&deep);
        assert!(e.expected.contains("levels of nested expressions"), "{e}");
        assert_eq!(e.line, 1);
        // 64 levels are fine.
        let ok = format!("0 f({}1{})\n", "[".repeat(63), "]".repeat(63));
        assert!(parse("ok.pkt", &ok).is_ok());
        // Keyword chains nest too.
        let chain = format!("0 f({}1)\n", "a=".repeat(100_000));
        assert!(
            err(&chain)
                .expected
                .contains("levels of nested expressions")
        );
        // Or-chains and string sequences are flat: no limit needed.
        let or = format!("0 f({}A)\n", "A|".repeat(100_000));
        assert!(parse("or.pkt", &or).is_ok());
        let strs = format!("0 f({})\n", "\"a\" ".repeat(100_000));
        assert!(parse("strs.pkt", &strs).is_ok());
        // Unclosed brackets, a million deep, on one line.
        let open = format!("0 f({}", "{[f(".repeat(1_000_000));
        assert!(err(&open).expected.contains("levels of nested expressions"));
    }

    #[test]
    fn warnings_carry_positions() {
        let (_, w) =
            parse("w.pkt", "0 < S 0:0(0)\n+0.0000001 > S. 0:0(0) ack 1\n").expect("parses");
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!((w[0].line, w[0].col), (1, 3));
        assert!(w[0].message.contains("without 'win N'"));
        assert_eq!((w[1].line, w[1].col), (2, 2));
        assert!(
            w[1].to_string()
                .starts_with("w.pkt:2:2: warning: time '0.0000001'")
        );
    }
}
