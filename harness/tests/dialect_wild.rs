//! packetdrill syntax as scripts in the wild write it (issue 16): what
//! each form puts on the wire, checked on the packets the engines got.

use harness::case::{Dir, run_text};
use harness::engine::by_name;
use harness::wire::Segment;

/// The TCP option bytes of every packet engine `c` received, in order.
fn inbound_options(text: &str) -> Vec<Vec<u8>> {
    let mut a = by_name("c").unwrap();
    let mut b = by_name("rust").unwrap();
    let run = run_text("wild.pkt", text, a.as_mut(), b.as_mut());
    assert!(
        run.result.input_error.is_none(),
        "{:?}",
        run.result.input_error
    );
    assert!(run.result.failures.is_empty(), "{:?}", run.result.failures);
    run.log_a
        .iter()
        .filter(|r| r.dir == Dir::In)
        .map(|r| Segment::decode(&r.bytes).unwrap().options)
        .collect()
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
