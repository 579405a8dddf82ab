//! The build says where the lwIP it compiled came from.

#[test]
fn build_info_names_the_source_compiled() {
    use lwip_c::build_info::*;
    match option_env!("LWIP_DIR") {
        Some(dir) => assert_eq!(LWIP_SOURCE, format!("LWIP_DIR={dir}")),
        None => {
            assert!(
                LWIP_SOURCE.starts_with("crate lwip =0.4.0"),
                "{LWIP_SOURCE}"
            );
            // The pinned sources are checked against these sums at build time.
            assert_eq!(
                TCP_C_SHA256,
                "5a94c5cd4f5edd8d83cc522effd9af581634f95e11cd393c55d12cf48718e41a"
            );
        }
    }
    assert_eq!(LWIP_VERSION, "2.2.1");
    assert_eq!(PROFILE, "full");
    let c = c_build();
    assert_eq!(
        c.lwip_version >> 8,
        0x020201,
        "LWIP_VERSION as the C sees it"
    );
    assert_eq!(
        (c.tcp_mss, c.tcp_wnd, c.tcp_snd_buf, c.tcp_snd_queuelen),
        (1460, 11680, 5840, 16)
    );
    assert!(summary().contains("2.2.1"));
}
