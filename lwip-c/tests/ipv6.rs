//! lwIP's TCP over IPv6, through the profiles "ipv6" (LWIP_IPV4 0) and
//! "dual" (both), built and loaded as shared objects like `c:PROFILE`.
//! The packets are built and checked here, independently of lwIP: the
//! IPv6 header, the pseudo-header checksum (RFC 8200 section 8.1) and
//! the MSS lwIP offers (MTU - 60 for IPv6, MTU - 40 for IPv4).

mod common;

use std::path::Path;

use common::{ACK, RST, SYN, fold, sum16};
use lwip_c::{
    CBuild, ErrT, IpAddr, NullApp, PACKETDRILL_LOCAL_IP6, Stack, StackConfig, StackError,
};

const PEER6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const PEER4: [u8; 4] = [192, 0, 2, 1];
const LOCAL4: [u8; 4] = [192, 168, 0, 1];

fn build(profile: &str) -> &'static CBuild {
    let dir = lwip_c::loaded::profile_dir(profile).expect("profile directory");
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ipv6-builds");
    let so = lwip_c::loaded::build(
        Path::new(lwip_c::build_info::LWIP_DIR),
        &dir,
        lwip_c::loaded::Tcp::Tree,
        &cache,
    )
    .unwrap_or_else(|e| panic!("building profile {profile}: {e}"));
    lwip_c::loaded::load(&so, profile).unwrap_or_else(|e| panic!("loading {profile}: {e}"))
}

/// A bare TCP header with an MSS option (24 bytes), checksum 0.
fn tcp_syn(sport: u16, dport: u16, seq: u32) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&sport.to_be_bytes());
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&seq.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    t.push(6 << 4); // data offset 6 words
    t.push(SYN);
    t.extend_from_slice(&8192u16.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    t.extend_from_slice(&[2, 4, 0x05, 0xb4]); // MSS 1460
    t
}

/// `tcp` in an IPv6 packet from `src` to `dst`, with its checksum.
fn ipv6(src: [u8; 16], dst: [u8; 16], mut tcp: Vec<u8>) -> Vec<u8> {
    let len = tcp.len() as u32;
    let mut acc = sum16(0, &src);
    acc = sum16(acc, &dst);
    acc = sum16(acc, &len.to_be_bytes());
    acc = sum16(acc, &[0, 0, 0, 6]);
    acc = sum16(acc, &tcp);
    let c = !fold(acc);
    tcp[16..18].copy_from_slice(&c.to_be_bytes());
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(len as u16).to_be_bytes());
    p.push(6); // next header: TCP
    p.push(64); // hop limit
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&tcp);
    p
}

/// `tcp` in an IPv4 packet, both checksums.
fn ipv4(src: [u8; 4], dst: [u8; 4], mut tcp: Vec<u8>) -> Vec<u8> {
    let len = tcp.len() as u16;
    let mut acc = sum16(0, &src);
    acc = sum16(acc, &dst);
    acc = sum16(acc, &[0, 6]);
    acc = sum16(acc, &len.to_be_bytes());
    acc = sum16(acc, &tcp);
    let c = !fold(acc);
    tcp[16..18].copy_from_slice(&c.to_be_bytes());
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&(20 + len).to_be_bytes());
    h.extend_from_slice(&[0, 0, 0, 0, 64, 6, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let c = !fold(sum16(0, &h));
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(&tcp);
    h
}

/// What the tests read of an emitted IPv6 packet, after checking its
/// header and its TCP checksum.
struct Out6 {
    hop_limit: u8,
    src: [u8; 16],
    dst: [u8; 16],
    flags: u8,
    mss: Option<u16>,
}

fn parse6(p: &[u8]) -> Out6 {
    assert!(p.len() >= 60, "short IPv6 packet: {p:02x?}");
    assert_eq!(p[0] >> 4, 6, "version");
    let plen = usize::from(u16::from_be_bytes([p[4], p[5]]));
    assert_eq!(plen + 40, p.len(), "payload length");
    assert_eq!(p[6], 6, "next header");
    let src: [u8; 16] = p[8..24].try_into().unwrap();
    let dst: [u8; 16] = p[24..40].try_into().unwrap();
    let tcp = &p[40..];
    let mut acc = sum16(0, &src);
    acc = sum16(acc, &dst);
    acc = sum16(acc, &(tcp.len() as u32).to_be_bytes());
    acc = sum16(acc, &[0, 0, 0, 6]);
    acc = sum16(acc, tcp);
    assert_eq!(
        fold(acc),
        0xffff,
        "TCP checksum over the IPv6 pseudo-header"
    );
    Out6 {
        hop_limit: p[7],
        src,
        dst,
        flags: tcp[13],
        mss: mss_option(tcp),
    }
}

fn mss_option(tcp: &[u8]) -> Option<u16> {
    let off = usize::from(tcp[12] >> 4) * 4;
    let mut i = 20;
    while i < off {
        match tcp[i] {
            0 => break,
            1 => i += 1,
            2 => return Some(u16::from_be_bytes([tcp[i + 2], tcp[i + 3]])),
            _ => i += usize::from(tcp[i + 1]).max(2),
        }
    }
    None
}

fn one_output(stack: &mut Stack) -> Vec<u8> {
    let mut out = stack.take_output();
    assert_eq!(out.len(), 1, "one packet out: {out:02x?}");
    out.remove(0).bytes
}

#[test]
fn ipv6_only_build_answers_a_syn_over_ipv6_with_mss_mtu_minus_60() {
    let mut s = Stack::new_on(build("ipv6"), StackConfig::default()).unwrap();
    let o = s.build().tcp_options();
    assert_eq!((o.lwip_ipv4, o.lwip_ipv6), (0, 1));
    let pcb = s.tcp_new().unwrap().unwrap();
    // No IPv4 in ip_addr_t: an IPv4 address is refused before lwIP.
    match s.tcp_bind(pcb, LOCAL4, 80) {
        Err(StackError::NoSuchAddressType(IpAddr::V4(_))) => {}
        other => panic!("IPv4 bind on an IPv6-only build: {other:?}"),
    }
    // lwIP's tcp_bind without IPv4: a NULL address is ERR_ARG (with IPv4
    // it means IP4_ADDR_ANY).
    assert_eq!(s.tcp_bind_ptr(pcb, None, 80).unwrap(), ErrT::Arg);
    assert_eq!(s.tcp_bind(pcb, IpAddr::V6([0; 16]), 80).unwrap(), ErrT::Ok);
    let (l, e) = s.tcp_listen_with_backlog_and_err(pcb, 1).unwrap();
    assert_eq!(e, ErrT::Ok);
    assert!(l.is_some());
    let syn = ipv6(PEER6, PACKETDRILL_LOCAL_IP6, tcp_syn(5000, 80, 1000));
    assert_eq!(s.input(&syn, &mut NullApp).unwrap(), ErrT::Ok);
    let out = parse6(&one_output(&mut s));
    assert_eq!(out.flags, SYN | ACK);
    assert_eq!((out.src, out.dst), (PACKETDRILL_LOCAL_IP6, PEER6));
    assert_eq!(out.hop_limit, 255, "TCP_TTL");
    assert_eq!(out.mss, Some(1500 - 60), "TCP_MSS 1460 clamped to MTU - 60");
    let (e, local, port) = s.tcp_addrinfo(pcb, true).unwrap();
    assert_eq!((e, local, port), (ErrT::Ok, IpAddr::V6([0; 16]), 80));
}

#[test]
fn ipv6_only_build_drops_what_ip6_input_drops() {
    let mut s = Stack::new_on(build("ipv6"), StackConfig::default()).unwrap();
    let pcb = s.tcp_new().unwrap().unwrap();
    assert_eq!(s.tcp_bind(pcb, IpAddr::V6([0; 16]), 80).unwrap(), ErrT::Ok);
    s.tcp_listen_with_backlog(pcb, 1).unwrap().unwrap();
    // Not the netif's address: dropped by ip6_input, no RST.
    let mut other = PACKETDRILL_LOCAL_IP6;
    other[15] = 9;
    s.input(&ipv6(PEER6, other, tcp_syn(5000, 80, 1)), &mut NullApp)
        .unwrap();
    // A multicast source: dropped.
    let mut mcast = PEER6;
    mcast[0] = 0xff;
    s.input(
        &ipv6(mcast, PACKETDRILL_LOCAL_IP6, tcp_syn(5000, 80, 1)),
        &mut NullApp,
    )
    .unwrap();
    // An IPv4 packet: the wrong version for ip6_input.
    s.input(&ipv4(PEER4, LOCAL4, tcp_syn(5000, 80, 1)), &mut NullApp)
        .unwrap();
    assert!(s.take_output().is_empty());
    // A closed port on our address: tcp_input's RST, over IPv6.
    s.input(
        &ipv6(PEER6, PACKETDRILL_LOCAL_IP6, tcp_syn(5000, 81, 1)),
        &mut NullApp,
    )
    .unwrap();
    let out = parse6(&one_output(&mut s));
    assert_eq!(out.flags, RST | ACK);
}

#[test]
fn dual_stack_any_type_listener_takes_both_versions_and_an_ipv4_one_only_ipv4() {
    let mut s = Stack::new_on(build("dual"), StackConfig::default()).unwrap();
    let o = s.build().tcp_options();
    assert_eq!((o.lwip_ipv4, o.lwip_ipv6), (1, 1));
    // tcp_new_ip_type(IPADDR_TYPE_ANY) bound to IP_ANY_TYPE: both.
    let any = s.tcp_new_ip_type(IpAddr::TYPE_ANY).unwrap().unwrap();
    assert_eq!(s.tcp_bind(any, IpAddr::Any, 80).unwrap(), ErrT::Ok);
    s.tcp_listen_with_backlog(any, 4).unwrap().unwrap();
    assert_eq!(s.tcp_addrinfo(any, true).unwrap().1, IpAddr::Any);
    s.input(
        &ipv6(PEER6, PACKETDRILL_LOCAL_IP6, tcp_syn(5000, 80, 1)),
        &mut NullApp,
    )
    .unwrap();
    let out = parse6(&one_output(&mut s));
    assert_eq!((out.flags, out.mss), (SYN | ACK, Some(1440)));
    s.input(&ipv4(PEER4, LOCAL4, tcp_syn(5001, 80, 1)), &mut NullApp)
        .unwrap();
    let v4 = one_output(&mut s);
    assert_eq!(v4[0] >> 4, 4);
    assert_eq!(mss_option(&v4[20..]), Some(1460), "MTU - 40 over IPv4");
    // tcp_new() and a NULL bind: IP4_ADDR_ANY, an IPv4 listener; an IPv6
    // SYN to its port finds no listener and gets tcp_input's RST.
    let v4only = s.tcp_new().unwrap().unwrap();
    assert_eq!(s.tcp_bind_ptr(v4only, None, 81).unwrap(), ErrT::Ok);
    s.tcp_listen_with_backlog(v4only, 4).unwrap().unwrap();
    assert_eq!(s.tcp_addrinfo(v4only, true).unwrap().1, IpAddr::V4([0; 4]));
    s.input(
        &ipv6(PEER6, PACKETDRILL_LOCAL_IP6, tcp_syn(5002, 81, 1)),
        &mut NullApp,
    )
    .unwrap();
    assert_eq!(parse6(&one_output(&mut s)).flags, RST | ACK);
}
