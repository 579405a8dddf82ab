//! packetdrill syntax as scripts in the wild write it (issue 16): what
//! each form puts on the wire, checked on the packets the engines got.

use harness::case::{Dir, run_text};
use harness::engine::by_name;
use harness::wire::Segment;

/// Runs `text` on `c` and `rust`: engine `c`'s expectation failures and
/// every packet it received or sent, in order.
fn run(text: &str) -> (Vec<String>, Vec<(Dir, Segment)>) {
    let mut a = by_name("c").unwrap();
    let mut b = by_name("rust").unwrap();
    let run = run_text("wild.pkt", text, a.as_mut(), b.as_mut());
    assert!(
        run.result.input_error.is_none(),
        "{:?}",
        run.result.input_error
    );
    let failures = run
        .result
        .failures
        .iter()
        .filter(|f| f.engine == "c")
        .map(|f| f.message.clone())
        .collect();
    let packets = run
        .log_a
        .iter()
        .map(|r| (r.dir, Segment::decode(&r.bytes).unwrap()))
        .collect();
    (failures, packets)
}

/// What engine `c` received.
fn inbound(packets: Vec<(Dir, Segment)>) -> Vec<Segment> {
    packets
        .into_iter()
        .filter(|(d, _)| *d == Dir::In)
        .map(|(_, s)| s)
        .collect()
}

/// The TCP option bytes of every packet engine `c` received, in order
/// (the script's expectations all held).
fn inbound_options(text: &str) -> Vec<Vec<u8>> {
    let (failures, packets) = run(text);
    assert!(failures.is_empty(), "{failures:?}");
    inbound(packets).into_iter().map(|s| s.options).collect()
}

const LISTEN: &str = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
                      +0 bind(3, ..., ...) = 0\n\
                      +0 listen(3, 1) = 0\n";

/// `FO cookie` is TCP Fast Open (kind 34), `FOEXP cookie` its experimental
/// form (kind 254, magic 0xF989), `md5 digest` the MD5 signature (kind
/// 19): lwIP implements none and skips each, so they go on the wire as
/// packetdrill writes them.
#[test]
fn tfo_and_md5_options_go_on_the_wire_as_bytes() {
    let cases: [(&str, &[u8]); 4] = [
        (
            "FO 0123456789abcdef",
            &[34, 10, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
        ),
        ("FO", &[34, 2]),
        (
            "FOEXP 00112233",
            &[254, 8, 0xf9, 0x89, 0x00, 0x11, 0x22, 0x33],
        ),
        (
            "md5 00112233445566778899aabbccddeeff",
            &[
                19, 18, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                0xcc, 0xdd, 0xee, 0xff,
            ],
        ),
    ];
    for (opt, bytes) in cases {
        let text = format!(
            "{LISTEN}+0.1 < S 0:0(0) win 65535 <{opt}>\n\
             +0 > S. 0:0(0) ack 1 win 11680 <mss 1460>\n"
        );
        let got = inbound_options(&text);
        assert_eq!(got.len(), 1, "{opt}");
        assert!(got[0].starts_with(bytes), "{opt}: {:02x?}", got[0]);
        // Padded to a multiple of four with zeros (EOL), as packetdrill pads.
        assert_eq!(got[0].len() % 4, 0, "{opt}: {:02x?}", got[0]);
    }
}

/// Engine `c`'s failures, and the TOS and TTL of every packet it received.
fn run_ip(text: &str) -> (Vec<String>, Vec<(u8, u8)>) {
    let (failures, packets) = run(text);
    let ins = inbound(packets).iter().map(|s| (s.tos, s.ttl)).collect();
    (failures, ins)
}

/// The IP annotations of the FreeBSD-oriented dialect: `ecn X`, `class`
/// (IPv6's name for the TOS byte), `dscp` (a number or a codepoint name,
/// alone or with `ecn X`), `hlim` (IPv6's name for the TTL). Inbound they
/// set the header's bytes; outbound they are checked.
#[test]
fn ip_annotations_set_inbound_headers_and_check_outbound_ones() {
    // Inbound: the bytes the peer's packets carry.
    let cases: [(&str, (u8, u8)); 6] = [
        ("[ecn ce]", (0x03, 64)),
        ("(class 0x2e)", (0x2e, 64)),
        ("[dscp af11, ecn ect0]", ((10 << 2) | 2, 64)),
        ("[dscp 0x2e]", (46 << 2, 64)),
        ("(hlim 32)", (0, 32)),
        ("[dscp EF, ecn ect1, ttl 7]", ((46 << 2) | 1, 7)),
    ];
    for (ann, want) in cases {
        let text = format!(
            "{LISTEN}+0.1 < {ann} S 0:0(0) win 65535 <mss 1460>\n\
             +0 > S. 0:0(0) ack 1 win 11680 <mss 1460>\n"
        );
        let (failures, ins) = run_ip(&text);
        assert!(failures.is_empty(), "{ann}: {failures:?}");
        assert_eq!(ins, vec![want], "{ann}");
    }
    // Outbound: lwIP sends TOS 0 and TCP_TTL 255 (the full profile).
    for (ann, holds) in [
        ("[noecn]", true),
        ("[ecn noecn]", true),
        ("(tos 0x0, ttl 255)", true),
        ("(hlim 255)", true),
        ("[dscp cs0]", true),
        ("[ect0]", false),
        ("[ecn ce]", false),
        ("[ect01]", false),
        ("[dscp af11]", false),
        ("(class 0x10)", false),
        ("(ttl 64)", false),
    ] {
        let text = format!(
            "{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460>\n\
             +0 > {ann} S. 0:0(0) ack 1 win 11680 <mss 1460>\n"
        );
        let (failures, _) = run_ip(&text);
        assert_eq!(failures.is_empty(), holds, "{ann}: {failures:?}");
        if !holds {
            assert!(
                failures[0].contains("TOS") || failures[0].contains("TTL"),
                "{ann}: {failures:?}"
            );
        }
    }
}

/// A flow label is IPv6's: refused with one line saying so, not ignored.
#[test]
fn a_flow_label_is_refused_as_ipv6() {
    let text = format!("{LISTEN}+0.1 < [ect0, flowlabel 0x12345] S 0:0(0) win 65535 <mss 1460>\n");
    let (script, _) = harness::script::parse("wild.pkt", &text).unwrap();
    let e = harness::from_script::to_scenario(&script).unwrap_err();
    assert!(e.to_string().contains("IPv6"), "{e}");
}

/// Each new annotation prints back as it parses (the printer's round trip).
#[test]
fn ip_annotations_print_back() {
    for ann in [
        "[ecn ce]",
        "(class 0x2e)",
        "[dscp af11, ecn ect0]",
        "[dscp 0x2e]",
        "(hlim 32)",
        "[dscp ef, ecn ect01]",
    ] {
        let text = format!("0 > {ann} S. 0:0(0) ack 1 win 11680\n");
        let (s1, _) = harness::script::parse("a.pkt", &text).unwrap();
        let printed = harness::script::print(&s1);
        let (s2, _) = harness::script::parse("b.pkt", &printed).unwrap();
        assert_eq!(s1.events, s2.events, "{ann} -> {printed}");
    }
}

/// Engine `c`'s failures, and the packets it sent.
fn run_out(text: &str) -> (Vec<String>, Vec<Segment>) {
    let (failures, packets) = run(text);
    let outs = packets
        .into_iter()
        .filter(|(d, _)| *d == Dir::Out)
        .map(|(_, s)| s)
        .collect();
    (failures, outs)
}

fn map_error(text: &str) -> String {
    let (script, _) = harness::script::parse("wild.pkt", text).unwrap();
    harness::from_script::to_scenario(&script)
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string())
}

/// `start:end(len)!` (absolute sequence numbers) and `...(len)` (the
/// sequence number not checked, the length checked).
#[test]
fn absolute_and_unchecked_sequence_numbers() {
    // lwIP's ISN, from a first run.
    let (f, outs) = run_out(&format!(
        "{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460>\n\
         +0 > S. 0:0(0) ack 1 win 11680 <mss 1460>\n"
    ));
    assert!(f.is_empty(), "{f:?}");
    let isn = outs[0].seq;
    let peer_isn = harness::model::ScenarioConfig::default().remote_isn;
    for (syn, synack, holds) in [
        // The peer's SYN written absolute; lwIP's SYN-ACK absolute.
        (
            format!("{peer_isn}:{peer_isn}(0)!"),
            format!("{isn}:{isn}(0)!"),
            true,
        ),
        (
            "0:0(0)".into(),
            format!("{}:{}(0)!", isn + 1, isn + 1),
            false,
        ),
        ("0:0(0)".into(), "...(0)".into(), true),
        ("0:0(0)".into(), "...(5)".into(), false),
    ] {
        let text = format!(
            "{LISTEN}+0.1 < S {syn} win 65535 <mss 1460>\n\
             +0 > S. {synack} ack 1 win 11680 <mss 1460>\n"
        );
        let (f, _) = run_out(&text);
        assert_eq!(f.is_empty(), holds, "{syn} / {synack}: {f:?}");
    }
    // Inbound, a sequence number is needed.
    let e = map_error(&format!("{LISTEN}+0.1 < S ...(0) win 65535\n"));
    assert!(e.contains("'...(len)' is for outbound lines"), "{e}");
}

/// `TS val ... ecr N` (the value not checked) and `ecr N!` (absolute: the
/// harness's TS values are absolute anyway).
#[test]
fn timestamp_value_unchecked_and_absolute_echo() {
    let syn = "+0.1 < S 0:0(0) win 65535 <mss 1460,TS val 100 ecr 0,nop,wscale 7>\n";
    for (ts, holds) in [
        ("TS val ... ecr 100", true),
        ("TS val ... ecr 100!", true),
        ("TS val 100 ecr 100!", true),
        ("TS val ... ecr 101", false),
        ("TS val 7 ecr 100", false),
    ] {
        let text = format!(
            "{LISTEN}{syn}+0 > S. 0:0(0) ack 1 win 11680 <mss 1460,nop,nop,{ts},nop,wscale 2>\n"
        );
        let (f, _) = run_out(&text);
        assert_eq!(f.is_empty(), holds, "{ts}: {f:?}");
    }
    let e = map_error(&format!(
        "{LISTEN}+0.1 < S 0:0(0) win 65535 <TS val ... ecr 0>\n"
    ));
    assert!(e.contains("needs its TS value"), "{e}");
}

/// TCP over UDP (`/udp(sport > dport)` after the options) parses, prints
/// back, and is refused with one line naming what lwIP lacks.
#[test]
fn tcp_over_udp_is_parsed_and_refused() {
    let text = format!("{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460> /udp(1234 > 9899)\n");
    let (s1, _) = harness::script::parse("a.pkt", &text).unwrap();
    let (s2, _) = harness::script::parse("b.pkt", &harness::script::print(&s1)).unwrap();
    assert_eq!(s1.events, s2.events);
    let e = map_error(&text);
    assert!(e.contains("lwIP has no TCP-over-UDP"), "{e}");
}

/// `--ip_version`: ipv4 runs; an IPv6 script is refused with one line,
/// not run over IPv4 with a warning (as it was).
#[test]
fn an_ipv6_script_is_refused_not_run_as_ipv4() {
    let body = format!("{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460>\n");
    assert_eq!(map_error(&format!("--ip_version=ipv4\n{body}")), "");
    for v in ["ipv6", "ipv4-mapped-ipv6"] {
        let e = map_error(&format!("--ip_version={v}\n{body}"));
        assert!(e.contains("IPv4 only"), "{v}: {e}");
    }
    let e = map_error(&format!("--ip_version=ipx\n{body}"));
    assert!(e.contains("expected ipv4"), "{e}");
}

/// Definitions: `--define=NAME=VALUE` at the top of the script and
/// `-D NAME=VALUE` on the command line (`run_text_with_defines`); a name
/// used as a word is replaced by its value, as packetdrill's lexer does.
#[test]
fn defined_names_are_replaced_by_their_values() {
    let syn = |opt: &str| {
        format!(
            "{LISTEN}+0.1 < S 0:0(0) win 65535 <{opt}>\n\
             +0 > S. 0:0(0) ack 1 win 11680 <mss 1460>\n"
        )
    };
    let want: &[u8] = &[34, 10, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    // In the script.
    let got = inbound_options(&format!(
        "--define=TFO_COOKIE=0123456789abcdef\n{}",
        syn("FO TFO_COOKIE")
    ));
    assert!(got[0].starts_with(want), "{:02x?}", got[0]);
    // On the command line.
    let mut a = by_name("c").unwrap();
    let mut b = by_name("rust").unwrap();
    let defines = vec![("TFO_COOKIE".to_string(), "0123456789abcdef".to_string())];
    let r = harness::case::run_text_with_defines(
        "wild.pkt",
        &syn("FO TFO_COOKIE"),
        &defines,
        a.as_mut(),
        b.as_mut(),
    );
    assert!(r.result.input_error.is_none(), "{:?}", r.result.input_error);
    assert!(r.result.failures.is_empty(), "{:?}", r.result.failures);
    let opts = Segment::decode(&r.log_a.iter().find(|p| p.dir == Dir::In).unwrap().bytes)
        .unwrap()
        .options;
    assert!(opts.starts_with(want), "{opts:02x?}");
    // The command line wins over the script.
    let (s, _) = harness::script::parse_with_defines(
        "wild.pkt",
        "--define=W=100\n0 < . 1:1(0) ack 1 win W\n",
        &[("W".into(), "200".into())],
    )
    .unwrap();
    let harness::script::EventKind::Packet(p) = &s.events[0].kind else {
        panic!()
    };
    assert_eq!(p.win, Some(200));
    // Values of every kind: a word, a string, a number.
    let (s, _) = harness::script::parse(
        "wild.pkt",
        "--define=PROTO=IPPROTO_TCP --define=CC=\"reno cubic\" --define=N=0x10\n\
         0 socket(..., SOCK_STREAM, PROTO) = 3\n\
         +0 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, CC, N) = 0\n",
    )
    .unwrap();
    use harness::script::{EventKind, Expr};
    let EventKind::Call(c) = &s.events[0].kind else {
        panic!()
    };
    assert_eq!(c.args[2], Expr::Word("IPPROTO_TCP".into()));
    let EventKind::Call(c) = &s.events[1].kind else {
        panic!()
    };
    assert_eq!(c.args[3], Expr::Str("reno cubic".into()));
    assert_eq!(c.args[4], Expr::Hex(16));
    // The --define option itself is no "no meaning on lwIP" warning.
    let (failures, _) = run(&format!("--define=X=1\n{}", syn("mss 1460")));
    assert!(failures.is_empty());
}

/// A name no definition gives a value, where a value is needed: one line
/// naming the file, the line and the name.
#[test]
fn an_undefined_name_is_an_error_naming_it() {
    for (line, text) in [
        ("+0.1 < S 0:0(0) win 65535 <FO TFO_COOKIE>", "TFO_COOKIE"),
        ("+0.1 < S 0:0(0) win WINDOW", "WINDOW"),
        ("+0.1 < S 0:0(0) win 65535 <mss MSS_VAL>", "MSS_VAL"),
    ] {
        let e = harness::script::parse("wild.pkt", &format!("{LISTEN}{line}\n"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("wild.pkt:4:"), "{e}");
        assert!(e.contains(&format!("'{text}' is not defined")), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
    // A definition that is not NAME=VALUE.
    let e = harness::script::parse("wild.pkt", &format!("--define=X\n{LISTEN}"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("wild.pkt:1:1: expected --define=NAME=VALUE"),
        "{e}"
    );
}

/// The FreeBSD-oriented dialect's conditionals: `#ifdef NAME` ...
/// `#endif` (tcpdiff also takes `#ifndef`, `#else` and nesting). tcpdiff
/// is none of Linux, FreeBSD, NetBSD, OpenBSD, Omnet; `lwIP` is defined,
/// and so is every name given with -D or --define.
#[test]
fn conditionals_take_the_lwip_branch() {
    // The FreeBSD and Linux lines would fail (wrong window); the lwIP
    // line holds.
    let text = format!(
        "{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460>\n\
         #ifdef FreeBSD\n\
         +0 > S. 0:0(0) ack 1 win 65535 <mss 1460>\n\
         #endif\n\
         #ifdef Linux\n\
         +0 > S. 0:0(0) ack 1 win 29200 <mss 1460>\n\
         #else\n\
         #ifndef lwIP\n\
         +0 > S. 0:0(0) ack 1 win 1 <mss 1460>\n\
         #else\n\
         +0 > S. 0:0(0) ack 1 win 11680 <mss 1460>\n\
         #endif\n\
         #endif\n"
    );
    let (failures, packets) = run(&text);
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(packets.len(), 2);
    // Line numbers are kept: the lwIP expectation is on line 14.
    let (s, _) = harness::script::parse("wild.pkt", &text).unwrap();
    assert_eq!(s.events.last().unwrap().line, 14);
    // A -D name counts, and a --define name.
    let pick = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
                #ifdef FAST\n+0 f1()\n#else\n+0 f2()\n#endif\n";
    let name = |s: &harness::script::Script| match &s.events[1].kind {
        harness::script::EventKind::Call(c) => c.name.clone(),
        _ => panic!(),
    };
    let (s, _) = harness::script::parse("a.pkt", pick).unwrap();
    assert_eq!(name(&s), "f2");
    let (s, _) =
        harness::script::parse_with_defines("a.pkt", pick, &[("FAST".into(), "1".into())]).unwrap();
    assert_eq!(name(&s), "f1");
    let (s, _) = harness::script::parse("a.pkt", &format!("--define=FAST=1\n{pick}")).unwrap();
    assert_eq!(name(&s), "f1");
}

/// Unbalanced conditionals: one line naming the file and the line.
#[test]
fn unbalanced_conditionals_are_an_error_at_their_line() {
    for (text, want) in [
        ("0 f()\n#endif\n", "c.pkt:2:1: expected '#endif' only after"),
        ("0 f()\n#else\n", "c.pkt:2:1: expected '#else' only after"),
        (
            "0 f()\n#ifdef X\n+0 g()\n",
            "c.pkt:2:1: expected '#endif' closing this '#ifdef X', found end of file",
        ),
        (
            "#ifndef X\n0 f()\n#else\n#else\n#endif\n",
            "c.pkt:4:1: expected '#endif' closing '#ifndef X' (line 1)",
        ),
        (
            "#ifdef X Y\n0 f()\n#endif\n",
            "c.pkt:1:1: expected one name after '#ifdef'",
        ),
    ] {
        let e = harness::script::parse("c.pkt", text)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(want), "{text:?}: {e}");
        assert!(!e.contains('\n'), "{e}");
    }
}

/// `%{ python }%` blocks are parsed and skipped with a warning naming
/// the line.
#[test]
fn python_blocks_are_skipped_with_a_warning() {
    let mut a = by_name("c").unwrap();
    let mut b = by_name("rust").unwrap();
    let text = format!(
        "{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460>\n\
         +0 > S. 0:0(0) ack 1 win 11680 <mss 1460>\n\
         +0 %{{ assert tcpi_snd_cwnd == 10 }}%\n"
    );
    let r = run_text("wild.pkt", &text, a.as_mut(), b.as_mut()).result;
    assert!(r.input_error.is_none(), "{:?}", r.input_error);
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.starts_with("wild.pkt:6:") && w.contains("python block skipped")),
        "{:?}",
        r.warnings
    );
}

/// Options lwIP does not implement, in the FreeBSD-oriented dialect's
/// spellings: `AccECN0`/`AccECN1` (RFC 9768, kinds 172 and 174, the
/// counters 3 bytes each in the order written), `exp-AccECN0`/
/// `exp-AccECN1` (kind 254, ExID 0xACC0/0xACC1), `exp-tarr [R]` (kind 254,
/// ExID 0x00AC, R in the upper 11 bits of 16), and the generic `opt KIND
/// HEX`. On `<` lines they go on the wire as bytes (lwIP skips them); on
/// `>` lines they are matched as bytes, so an expectation of one fails as
/// a mismatch (lwIP never sends them).
#[test]
fn unknown_options_are_bytes_both_ways() {
    let cases: [(&str, &[u8]); 8] = [
        (
            "AccECN0 ee0b 1 eceb 2 ee1b 16777215",
            &[172, 11, 0, 0, 1, 0, 0, 2, 0xff, 0xff, 0xff],
        ),
        ("AccECN1 ee1b 5", &[174, 5, 0, 0, 5]),
        ("AccECN0", &[172, 2]),
        (
            "exp-AccECN1 ee1b 5 eceb 6",
            &[254, 10, 0xac, 0xc1, 0, 0, 5, 0, 0, 6],
        ),
        ("exp-tarr", &[254, 4, 0x00, 0xac]),
        ("exp-tarr 100", &[254, 6, 0x00, 0xac, 0x0c, 0x80]),
        ("opt 253 dead", &[253, 4, 0xde, 0xad]),
        ("opt 30 0011", &[30, 4, 0x00, 0x11]),
    ];
    for (opt, bytes) in cases {
        let text = format!(
            "{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460,{opt}>\n\
             +0 > S. 0:0(0) ack 1 win 11680 <mss 1460>\n"
        );
        let got = inbound_options(&text);
        assert_eq!(&got[0][..4], &[2, 4, 0x05, 0xb4], "{opt}");
        assert!(got[0][4..].starts_with(bytes), "{opt}: {:02x?}", got[0]);
        assert_eq!(got[0].len() % 4, 0, "{opt}: {:02x?}", got[0]);
        // Expected from lwIP: a mismatch.
        let text = format!(
            "{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460>\n\
             +0 > S. 0:0(0) ack 1 win 11680 <mss 1460,{opt}>\n"
        );
        let (failures, _) = run(&text);
        assert_eq!(failures.len(), 1, "{opt}: {failures:?}");
        assert!(failures[0].contains("option"), "{opt}: {failures:?}");
        // Printed back as parsed.
        let (s1, _) = harness::script::parse("a.pkt", &text).unwrap();
        let (s2, _) = harness::script::parse("b.pkt", &harness::script::print(&s1)).unwrap();
        assert_eq!(s1.events, s2.events, "{opt}");
    }
    // Counters are 24 bits, in their order; a rate 11 bits.
    for bad in [
        "AccECN0 ee0b 16777216",
        "AccECN0 eceb 1",
        "AccECN1 ee1b 1 ee0b 2",
        "AccECNEXP e0b 1 e0b 2",
        "exp-tarr 2048",
        "exp-FOO",
    ] {
        let e = harness::script::parse("a.pkt", &format!("0 > S. 0:0(0) <{bad}>\n")).unwrap_err();
        assert_eq!(e.line, 1, "{bad}: {e}");
    }
}

/// AccECN spellings with no known wire kind, and MPTCP options: one line
/// naming what lwIP lacks.
#[test]
fn accecn_without_a_kind_and_mptcp_are_refused() {
    for opt in ["AccECNEXP e0b 1 ceb 0 e1b 1", "ECN e0b 1 ceb 0 e1b 1"] {
        let e = map_error(&format!(
            "{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460,{opt}>\n"
        ));
        assert!(e.starts_with("wild.pkt:4:"), "{e}");
        assert!(e.contains("lwIP has no AccECN"), "{e}");
    }
    let e = harness::script::parse(
        "wild.pkt",
        &format!("{LISTEN}+0.1 < S 0:0(0) win 65535 <mp_capable v1 flags 0x81 key=1>\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("wild.pkt:4:"), "{e}");
    assert!(e.contains("lwIP has no Multipath TCP"), "{e}");
}
