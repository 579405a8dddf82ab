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

/// `--ip_version`: ipv4 and ipv6 map (an IPv6 script runs over IPv6 on
/// the builds with IPv6, and is skipped with the reason on the others:
/// never run over IPv4, as it once was); ipv4-mapped-ipv6, which lwIP
/// has no counterpart for, is refused with one line.
#[test]
fn ip_versions_map_and_ipv6_runs_only_where_lwip_has_it() {
    let body = format!("{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460>\n");
    assert_eq!(map_error(&format!("--ip_version=ipv4\n{body}")), "");
    assert_eq!(map_error(&format!("--ip_version=ipv6\n{body}")), "");
    let e = map_error(&format!("--ip_version=ipv4-mapped-ipv6\n{body}"));
    assert!(e.contains("lwIP has no IPv4-mapped IPv6"), "{e}");
    let e = map_error(&format!(
        "--ip_version=ipv6\n--local_ip=192.168.0.1\n{body}"
    ));
    assert!(e.contains("not an IPv6 address"), "{e}");
    let text = format!("--ip_version=ipv6\n{body}");
    let (mut a, mut b) = (by_name("c").unwrap(), by_name("rust").unwrap());
    let r = run_text("wild.pkt", &text, a.as_mut(), b.as_mut()).result;
    assert_eq!(r.status(), "skipped");
    assert!(
        r.skipped.as_deref().unwrap_or("").contains("c has no IPv6"),
        "{:?}",
        r.skipped
    );
    let (mut a, mut b) = (by_name("c:ipv6").unwrap(), by_name("c:ipv6").unwrap());
    let r = run_text("wild.pkt", &text, a.as_mut(), b.as_mut()).result;
    assert_eq!(r.status(), "same", "{}", harness::report::text(&r));
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
    // Keywords are not replaced (packetdrill's lexer makes them tokens).
    let (s, _) = harness::script::parse_with_defines(
        "wild.pkt",
        "0 < . 1:1(0) ack 1 win 100\n",
        &[("win".into(), "ack".into()), ("ack".into(), "5".into())],
    )
    .unwrap();
    let harness::script::EventKind::Packet(p) = &s.events[0].kind else {
        panic!()
    };
    assert_eq!((p.ack, p.win), (Some(1), Some(100)));
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

/// What a grammar production of either public packetdrill dialect does in
/// tcpdiff.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// Parsed, printed back to the same tree, and mapped onto lwIP.
    Runs,
    /// Refused with one line (from the parser or the mapping) containing
    /// this text, which names what lwIP lacks.
    Refused(&'static str),
    /// A known gap: refused for a reason that is tcpdiff's, not lwIP's
    /// (the text says which; the line must contain it).
    Gap(&'static str),
}

/// One snippet per grammar production of google/packetdrill's and
/// nplab/packetdrill's (the FreeBSD-oriented fork's) parser.y that a
/// script for a TCP stack may contain: (production, script, outcome).
const PRODUCTIONS: &[(&str, &str, Want)] = &[
    // script: options, init and cleanup commands
    ("option", "--tolerance_usecs=10000\n0 f()\n", Want::Runs),
    (
        "option WORD=WORD",
        "--define=PROTO=IPPROTO_TCP\n0 f(PROTO)\n",
        Want::Runs,
    ),
    (
        "option WORD=STRING",
        "--define=CC=\"reno\"\n0 f(CC)\n",
        Want::Runs,
    ),
    (
        "option WORD=BACK_QUOTED",
        "--define=C=`ls`\n0 f()\n",
        Want::Runs,
    ),
    (
        "option WORD=INTEGER (nplab)",
        "--define=PROTO=132\n0 f(PROTO)\n",
        Want::Runs,
    ),
    (
        "option IPV4_ADDR",
        "--local_ip=192.168.0.1\n0 f()\n",
        Want::Runs,
    ),
    (
        "init_command",
        "`sysctl -q net.ipv4.tcp_sack=0`\n0 f()\n",
        Want::Runs,
    ),
    ("cleanup_command", "0 f()\n`echo done`\n", Want::Runs),
    // event_time
    ("time INTEGER", "0 f()\n", Want::Runs),
    ("time FLOAT", "0.100 f()\n", Want::Runs),
    ("'+' time", "0 f()\n+.1 g()\n", Want::Runs),
    ("'*'", "* > S. 0:0(0) ack 1 <...>\n", Want::Runs),
    ("time '~' time", "0.1~0.2 > S. 0:0(0) ack 1\n", Want::Runs),
    (
        "'+' time '~' '+' time",
        "0 f()\n+0~+0.2 > . 1:1(0) ack 1\n",
        Want::Runs,
    ),
    (
        "opt_end_time",
        "0...0.200 accept(3, ..., ...) = 4\n",
        Want::Runs,
    ),
    // actions
    ("command_spec", "0 `echo x`\n", Want::Runs),
    ("code_spec", "0 %{ print(1) }%\n", Want::Runs),
    // tcp_packet_spec
    ("tcp: flags seq win", "0 < S 0:0(0) win 65535\n", Want::Runs),
    (
        "tcp: port_info",
        "0 < 8080 > 9090 S 0:0(0) win 100\n",
        Want::Runs,
    ),
    (
        "tcp: ack urg",
        "0 < P. 1:11(10) ack 1 win 100 urg 5\n",
        Want::Runs,
    ),
    ("tcp: flags '-'", "0 < - 1:1(0) win 100\n", Want::Runs),
    (
        "tcp: flags WORD '.'",
        "0 < F. 1:1(0) ack 1 win 100\n",
        Want::Runs,
    ),
    ("tcp: ECN flags", "0 < SEW 0:0(0) win 100\n", Want::Runs),
    (
        "tcp: ack_and_ace (AccECN)",
        "0 < .5 1:1(0) ack 1 win 100\n",
        Want::Refused("AccECN flags are not supported by lwIP"),
    ),
    ("tcp: seq '!' (nplab)", "0 > S. 0:0(0)! ack 1\n", Want::Runs),
    (
        "tcp: ELLIPSIS (len) (nplab)",
        "0 > S. ...(0) ack 1\n",
        Want::Runs,
    ),
    (
        "tcp: /udp encaps (nplab)",
        "0 < S 0:0(0) win 100 /udp(1 > 2)\n",
        Want::Refused("lwIP has no TCP-over-UDP"),
    ),
    (
        "tcp: fuzz_info (google)",
        "0 < S 0:0(0) win 100 {mut ip mss}\n",
        Want::Gap("fuzzing blocks '{...}' are not supported"),
    ),
    // ip_info
    ("ip_ecn", "0 < [ect0] S 0:0(0) win 100\n", Want::Runs),
    ("ECT01", "0 > [ect01] S. 0:0(0) ack 1\n", Want::Runs),
    (
        "TOS HEX_INTEGER",
        "0 < (tos 0x10) S 0:0(0) win 100\n",
        Want::Runs,
    ),
    ("TTL INTEGER", "0 < (ttl 64) S 0:0(0) win 100\n", Want::Runs),
    (
        "flow_label",
        "--ip_version=ipv6\n0 < [noecn, flowlabel 0x12345] S 0:0(0) win 100\n",
        Want::Runs,
    ),
    (
        "flow_label in an IPv4 script",
        "0 < [noecn, flowlabel 0x12345] S 0:0(0) win 100\n",
        Want::Refused("this script is IPv4"),
    ),
    (
        "CLASS HEX_INTEGER (nplab)",
        "0 < (class 0x2e) S 0:0(0) win 100\n",
        Want::Runs,
    ),
    (
        "ECN ip_ecn (nplab)",
        "0 < [ecn ce] S 0:0(0) win 100\n",
        Want::Runs,
    ),
    (
        "hlim (nplab)",
        "0 < (hlim 32) S 0:0(0) win 100\n",
        Want::Runs,
    ),
    (
        "dscp (nplab)",
        "0 < [dscp af11] S 0:0(0) win 100\n",
        Want::Runs,
    ),
    (
        "dscp ',' ECN ip_ecn ',' ttl (nplab)",
        "0 < [dscp ef, ecn ect1, ttl 7] S 0:0(0) win 100\n",
        Want::Runs,
    ),
    (
        "dscp ',' ECN ECT01 (nplab)",
        "0 > [dscp cs0, ecn ect01] S. 0:0(0) ack 1\n",
        Want::Runs,
    ),
    // tcp_option
    (
        "NOP EOL MSS WSCALE SACKOK TS",
        "0 < S 0:0(0) win 100 <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7,eol>\n",
        Want::Runs,
    ),
    (
        "SACK sack_block_list",
        "0 < . 1:1(0) ack 1 win 100 <sack 1001:2001 3001:4001>\n",
        Want::Runs,
    ),
    (
        "WSCALE '*' (google)",
        "0 > S. 0:0(0) ack 1 <wscale *>\n",
        Want::Runs,
    ),
    (
        "TS val ELLIPSIS ecr INTEGER '!' (nplab)",
        "0 > S. 0:0(0) ack 1 <TS val ... ecr 0!>\n",
        Want::Runs,
    ),
    (
        "FAST_OPEN",
        "0 < S 0:0(0) win 100 <FO 0011223344556677>\n",
        Want::Runs,
    ),
    (
        "FAST_OPEN_EXP (google)",
        "0 < S 0:0(0) win 100 <FOEXP 00112233>\n",
        Want::Runs,
    ),
    (
        "MD5 (google)",
        "0 < S 0:0(0) win 100 <md5 00112233445566778899aabbccddeeff>\n",
        Want::Runs,
    ),
    (
        "ACC_ECN_0 (nplab)",
        "0 < S 0:0(0) win 100 <AccECN0 ee0b 1 eceb 2 ee1b 3>\n",
        Want::Runs,
    ),
    (
        "ACC_ECN_1 (nplab)",
        "0 < S 0:0(0) win 100 <AccECN1 ee1b 1>\n",
        Want::Runs,
    ),
    (
        "EXP_ACC_ECN_0 (nplab)",
        "0 < S 0:0(0) win 100 <exp-AccECN0 ee0b 1>\n",
        Want::Runs,
    ),
    (
        "EXP_TARR INTEGER (nplab)",
        "0 < S 0:0(0) win 100 <exp-tarr 10>\n",
        Want::Runs,
    ),
    (
        "ACCECN_EXP (AccECN fork)",
        "0 < S 0:0(0) win 100 <AccECNEXP e0b 1 ceb 0>\n",
        Want::Refused("lwIP has no AccECN"),
    ),
    (
        "mptcp options (MPTCP fork)",
        "0 < S 0:0(0) win 100 <mp_capable v1 flags 0x81 key=1>\n",
        Want::Refused("lwIP has no Multipath TCP"),
    ),
    (
        "sock(N) subflow (MPTCP fork)",
        "0 < . 1:1(0) ack 1 win 225 sock(3)\n",
        Want::Refused("lwIP has no MPTCP"),
    ),
    (
        "generic option (tcpdiff)",
        "0 < S 0:0(0) win 100 <opt 253 dead>\n",
        Want::Runs,
    ),
    (
        "'<' ELLIPSIS '>'",
        "0 > S. 0:0(0) ack 1 <...>\n",
        Want::Runs,
    ),
    // udp, udplite, icmp, sctp packets
    ("udp_packet_spec", "0 < udp (100)\n", Want::Refused("lwIP")),
    (
        "udp_packet_spec ports",
        "0 < udp 53 > 1053 (20)\n",
        Want::Refused("lwIP"),
    ),
    (
        "udplite_packet_spec (nplab)",
        "0 < udplite 1 > 2 (10, 8)\n",
        Want::Refused("UDP-Lite"),
    ),
    (
        "icmp: echoed seq",
        "0 < icmp unreachable frag_needed mtu 1200 [1:1001(1000)]\n",
        Want::Refused("lwIP"),
    ),
    (
        "icmp: echoed udp",
        "0 > icmp unreachable port_unreachable [udp (20)]\n",
        Want::Refused("lwIP"),
    ),
    (
        "icmp: echoed raw (google)",
        "0 < icmp unreachable protocol_unreachable [raw (20)]\n",
        Want::Refused("lwIP"),
    ),
    (
        "icmp: echo id (google)",
        "0 < [ect0] icmp echo_reply id 7\n",
        Want::Refused("lwIP"),
    ),
    (
        "icmp: echoed sctp (nplab)",
        "0 < icmp unreachable port_unreachable [sctp(1234)]\n",
        Want::Refused("lwIP has no SCTP"),
    ),
    (
        "icmp: echoed udplite (nplab)",
        "0 < icmp unreachable port_unreachable [udplite(10, 8)]\n",
        Want::Refused("UDP-Lite"),
    ),
    (
        "icmp: echoed seq /udp (nplab)",
        "0 < icmp unreachable frag_needed mtu 1200 [1:1001(1000) /udp(1 > 2)]\n",
        Want::Refused("lwIP has no TCP-over-UDP"),
    ),
    (
        "sctp_packet_spec (nplab)",
        "0 < sctp: INIT[flgs=0, tag=1, a_rwnd=1500, os=1, is=1, tsn=1]\n",
        Want::Refused("lwIP has no SCTP"),
    ),
    (
        "sctp_packet_spec ports /udp (nplab)",
        "0 < 1 > 2 sctp(tag=1)/udp(3 > 4): DATA[flgs=BE, len=20, tsn=1, sid=0, ssn=0, ppid=0]\n",
        Want::Refused("lwIP has no SCTP"),
    ),
    (
        "sctp_packet_spec byte_list (nplab)",
        "0 < sctp: [0x01, 0x02]\n",
        Want::Refused("lwIP has no SCTP"),
    ),
    (
        "sctp ERROR cause (nplab)",
        "0 > sctp: ERROR[flgs=0, CAUSE[code=1, info=[...]]]\n",
        Want::Refused("lwIP has no SCTP"),
    ),
    // packet_prefix encapsulations (google)
    (
        "IPV4 ip_info addr '>' addr ':'",
        "0 < ipv4 192.0.2.1 > 192.168.0.1: S 0:0(0) win 100\n",
        Want::Refused("lwIP has no"),
    ),
    (
        "GRE ':'",
        "0 < gre: S 0:0(0) win 100\n",
        Want::Refused("lwIP has no"),
    ),
    (
        "MPLS mpls_stack ':'",
        "0 < mpls (label 1, tc 0, [S], ttl 1): S 0:0(0) win 100\n",
        Want::Refused("lwIP has no"),
    ),
    (
        "ipv4 addr > addr : psp spi N: (google, PSP)",
        "0 < ipv4 2.2.2.2 > 1.1.1.1 : psp spi 12: . 1:1001(1000) ack 1 win 123\n",
        Want::Refused("lwIP has no IP-in-IP"),
    ),
    (
        "encap psp spi N, vc N (google, PSP)",
        "0 < encap psp spi 0x684abfc1, vc 0x123456789abcdef . 1:1001(1000) ack 1 win 123\n",
        Want::Refused("lwIP has no PSP"),
    ),
    (
        "ipv6 addr > addr: gre: (google)",
        "0 < ipv6 2::2222 > 1::1111: gre: . 1:1001(1000) ack 1 win 123\n",
        Want::Refused("lwIP has no IP-in-IP"),
    ),
    // syscall_spec and expressions
    (
        "syscall errno note",
        "0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n",
        Want::Runs,
    ),
    (
        "binary_expression '|'",
        "0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n",
        Want::Runs,
    ),
    (
        "array",
        "0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n",
        Want::Runs,
    ),
    (
        "sockaddr",
        "0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0\n",
        Want::Runs,
    ),
    (
        "msghdr iovec",
        "0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 100}], msg_flags=0}, 0) = 100\n",
        Want::Runs,
    ),
    (
        "cmsg_expr sock_extended_err (google)",
        "0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 1}], msg_flags=MSG_ERRQUEUE, msg_control=[{cmsg_level=SOL_IP, cmsg_type=IP_RECVERR, cmsg_data={ee_errno=ENOMSG, ee_origin=SO_EE_ORIGIN_TIMESTAMPING, ee_type=0, ee_code=0, ee_info=0, ee_data=0}}]}, MSG_ERRQUEUE) = 0\n",
        Want::Runs,
    ),
    (
        "scm_timestamping (google)",
        "0 f({scm_sec=0, scm_nsec=0})\n",
        Want::Runs,
    ),
    (
        "pollfd",
        "0 poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 0) = 1\n",
        Want::Runs,
    ),
    (
        "epollev (google)",
        "0 epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLIN, fd=4}) = 0\n",
        Want::Runs,
    ),
    (
        "linger",
        "0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n",
        Want::Runs,
    ),
    (
        "inaddr in6addr",
        "0 f(inet_addr(\"192.0.2.1\"), inet6_addr(\"::1\"))\n",
        Want::Runs,
    ),
    ("STRING ELLIPSIS", "0 f(\"abc\"...)\n", Want::Runs),
    ("string_sequence", "0 f(\"a\" \"b\")\n", Want::Runs),
    (
        "sctp structs (nplab)",
        "0 setsockopt(3, IPPROTO_SCTP, SCTP_RTOINFO, {srto_initial=100, srto_max=200, srto_min=50}, 16) = 0\n",
        Want::Runs,
    ),
    (
        "sf_hdtr (FreeBSD fork)",
        "0 sendfile(5, 4, 0, 100, {headers=[{..., 10}], trailers=[]}, [0], 0) = 0\n",
        Want::Runs,
    ),
    ("NULL (nplab)", "0 f(NULL)\n", Want::Runs),
    (
        "SCTP socket (nplab)",
        "0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3\n",
        Want::Refused("lwIP has no SCTP"),
    ),
    (
        "SCTP call (nplab)",
        "0 sctp_sendmsg(3, ..., 100, ..., 16, 0, 0, 0, 0, 0) = 100\n",
        Want::Refused("lwIP has no SCTP"),
    ),
    (
        "UDP socket",
        "0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n",
        Want::Refused("LWIP_UDP off"),
    ),
    (
        "IPv6 socket",
        "--ip_version=ipv6\n0 socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = 3\n",
        Want::Runs,
    ),
    (
        "IPv6 socket in an IPv4 script",
        "0 socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = 3\n",
        Want::Refused("an IPv6 socket in an IPv4 script"),
    ),
    (
        "mpls_stack_expression (google)",
        "0 f({(label 1, tc 0, [S], ttl 1)})\n",
        Want::Refused("lwIP has no GRE or MPLS tunnels"),
    ),
    (
        "option --ip_version=ipv6",
        "--ip_version=ipv6\n0 f()\n",
        Want::Runs,
    ),
    (
        "ECN counters (tcpdiff's older spelling)",
        "0 < S 0:0(0) win 100 <ECN e0b 1 ceb 0 e1b 1>\n",
        Want::Refused("lwIP has no AccECN"),
    ),
    (
        "gre_header_expression (google)",
        "0 f({flags [none], sum 0, off 0, key 0, seq 0})\n",
        Want::Refused("lwIP has no GRE or MPLS tunnels"),
    ),
];

/// Every production of [`PRODUCTIONS`] does what its row says; a
/// refusal is one line naming the file and the line.
#[test]
fn every_grammar_production_runs_or_is_refused_naming_what_lwip_lacks() {
    let mut bad = Vec::new();
    for &(prod, text, want) in PRODUCTIONS {
        let outcome = match harness::script::parse("p.pkt", text) {
            Err(e) => Err(e.to_string()),
            Ok((s1, _)) => {
                let printed = harness::script::print(&s1);
                match harness::script::parse("p.pkt", &printed) {
                    Ok((s2, _)) if s2.without_positions() == s1.without_positions() => {
                        harness::from_script::to_scenario(&s1)
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }
                    other => {
                        bad.push(format!(
                            "{prod}: printed as {printed:?}, reparsed {other:?}"
                        ));
                        continue;
                    }
                }
            }
        };
        let ok = match (want, &outcome) {
            (Want::Runs, Ok(())) => true,
            (Want::Refused(k) | Want::Gap(k), Err(e)) => {
                e.contains(k) && e.starts_with("p.pkt:") && !e.contains('\n')
            }
            _ => false,
        };
        if !ok {
            bad.push(format!("{prod}: want {want:?}, got {outcome:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// `wscale *` (google's dialect): any shift count, on `>` lines; the
/// option must still be there. Inbound it is refused (nothing to send).
#[test]
fn wscale_any_matches_any_shift_count() {
    let syn = "+0.1 < S 0:0(0) win 65535 <mss 1460,TS val 100 ecr 0,nop,wscale 7>\n";
    for (ws, holds) in [("wscale *", true), ("wscale 2", true), ("wscale 3", false)] {
        let text = format!(
            "{LISTEN}{syn}+0 > S. 0:0(0) ack 1 win 11680 <mss 1460,nop,nop,TS val ... ecr 100,nop,{ws}>\n"
        );
        let (f, _) = run_out(&text);
        assert_eq!(f.is_empty(), holds, "{ws}: {f:?}");
    }
    // Not there at all: a mismatch.
    let text = format!("{LISTEN}{syn}+0 > S. 0:0(0) ack 1 win 11680 <mss 1460,wscale *>\n");
    let (f, _) = run_out(&text);
    assert_eq!(f.len(), 1, "{f:?}");
    let e = map_error(&format!(
        "{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460,wscale *>\n"
    ));
    assert!(e.contains("'wscale *' is for outbound lines"), "{e}");
}

/// `-D NAME=VALUE` on the command line of `tcpdiff run` and `tcpdiff
/// regress` (whose workers get it through TCPDIFF_DEFINES).
#[test]
fn command_line_defines_reach_run_and_regress() {
    let dir = std::env::temp_dir().join(format!("tcpdiff-defines-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("d.pkt"),
        format!(
            "{LISTEN}+0.1 < S 0:0(0) win 65535 <mss 1460,FO COOKIE>\n\
             #ifdef FAST\n\
             +0 > S. 0:0(0) ack 1 win WIN <mss 1460>\n\
             #else\n\
             +0 > S. 0:0(0) ack 1 win 1 <mss 1460>\n\
             #endif\n"
        ),
    )
    .unwrap();
    let tcpdiff = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tcpdiff"))
            .current_dir(&dir)
            .env_remove(harness::regress::FAULT_ENV)
            .env_remove(harness::regress::DEFINES_ENV)
            .args(args)
            .output()
            .unwrap()
    };
    let o = tcpdiff(&["run", "d.pkt"]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("d.pkt:4:") && out.contains("'COOKIE' is not defined"),
        "{out}"
    );
    let defs = [
        "-D",
        "COOKIE=00112233",
        "--define",
        "WIN=11680",
        "-D",
        "FAST",
    ];
    let o = tcpdiff(&[&["run", "d.pkt"][..], &defs].concat());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = tcpdiff(&[&["regress", "--engines", "c,c", "."][..], &defs].concat());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = tcpdiff(&["regress", "--engines", "c,c", "-D", "A-B=2", "."]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
