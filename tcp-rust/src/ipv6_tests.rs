//! The port's IPv6 over its own storage, in profiles shaped as lwip-c's
//! `dual` and `ipv6`: what the corpus and `harness/tests/ipv6_input.rs`
//! (both against lwIP) do not reach, each with what lwIP's code says.

use std::boxed::Box;
use std::vec::Vec;

use crate::IpAddr;
use crate::config::{Config, Profile};
use crate::err::Err;
use crate::ip6::{Ip6Addr, IpAddrDual};
use crate::stack::{Handle, Netif, Tcp};
use crate::storage::{IpAddrRepr, MAX_SEGS, Pools};
use crate::test_support::{NullApp, TestHooks, fold, sum16};

struct Dual;
impl Profile for Dual {
    const CONFIG: Config = Config {
        pbuf_ip_hlen: 40,
        ..Config::full()
    };
    type Storage = Pools<MAX_SEGS, IpAddrDual>;
}

struct V6Only;
impl Profile for V6Only {
    const CONFIG: Config = Config {
        pbuf_ip_hlen: 40,
        ..Config::full()
    };
    type Storage = Pools<MAX_SEGS, Ip6Addr>;
}

/// packetdrill's IPv6 addresses: fd3d:fa7b:d17d::1 (lwIP), 2001:db8::1.
const OURS: [u8; 16] = [
    0xfd, 0x3d, 0xfa, 0x7b, 0xd1, 0x7d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
];
const PEER: [u8; 16] = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

fn stack<P: Profile>(ip6: [u8; 16]) -> Box<Tcp<TestHooks, P>> {
    let mut t = Box::new(Tcp::<TestHooks, P>::new(Netif::default(), TestHooks::default()).unwrap());
    t.netif_ip6_addr_set(ip6, &mut NullApp).unwrap();
    t
}

fn v6<A: IpAddrRepr>(a: [u8; 16]) -> A {
    A::from_ip(IpAddr::V6(a)).unwrap()
}

/// The packets sent since the last call.
fn out<P: Profile>(t: &mut Tcp<TestHooks, P>) -> Vec<Vec<u8>> {
    core::mem::take(&mut t.hooks.out)
}

/// An IPv6 packet's TCP checksum is right (RFC 8200 pseudo header).
fn tcp6_checksum_ok(p: &[u8]) -> bool {
    let len = (p.len() - 40) as u32;
    let acc = sum16(sum16(0, &p[8..40]), &p[40..]) + len + 6;
    fold(acc) == 0xffff
}

#[test]
fn a_syn_over_ipv6_goes_from_the_netifs_address_with_mss_mtu_minus_60() {
    let mut t = stack::<Dual>(OURS);
    let h = t.tcp_new(&mut NullApp).unwrap();
    assert_eq!(t.tcp_connect(h, v6(PEER), 80).unwrap(), Err::Ok);
    let p = out(&mut t);
    assert_eq!(p.len(), 1);
    let s = &p[0];
    assert_eq!(s[0] >> 4, 6, "IPv6");
    assert_eq!(usize::from(u16::from_be_bytes([s[4], s[5]])), s.len() - 40);
    assert_eq!((s[6], s[7]), (6, 255), "TCP, hop limit TCP_TTL");
    assert_eq!(s[8..24], OURS);
    assert_eq!(s[24..40], PEER);
    assert_eq!(s[40 + 13], 0x02, "SYN");
    // The MSS option: the netif's MTU (1500) less 40 + 20.
    assert_eq!(s[60..64], [2, 4, 0x05, 0xa0]);
    assert!(tcp6_checksum_ok(s));
    // The pcb's own MSS: INITIAL_MSS (536) bounded by the same (tcp.c).
    let pcb = t.pcb(h).unwrap();
    assert_eq!((pcb.local_ip.to_ip(), pcb.mss), (IpAddr::V6(OURS), 536));
}

#[test]
fn without_an_ipv6_address_connect_and_a_rst_from_any_have_no_source() {
    // tcp_connect: ip_netif_get_local_ip is NULL, ERR_RTE.
    let mut t = stack::<Dual>([0; 16]);
    let h = t.tcp_new(&mut NullApp).unwrap();
    assert_eq!(t.tcp_connect(h, v6(PEER), 80).unwrap(), Err::Rte);
    assert!(out(&mut t).is_empty());
    // tcp_rst(NULL, .., IP6_ADDR_ANY, ..): ip6_output_if selects no
    // source (ERR_RTE), nothing goes out.
    let any = v6([0; 16]);
    t.tcp_rst_api(Handle::NULL, 1, 2, &any, &v6(PEER), 80, 40000)
        .unwrap();
    assert!(out(&mut t).is_empty());
    // With one, the RST goes from it. Its checksum is lwIP's: summed over
    // the source tcp_output_control_segment had (`::`), before
    // ip6_output_if chose the netif's, so it is wrong on the wire.
    t.netif_ip6_addr_set(OURS, &mut NullApp).unwrap();
    t.tcp_rst_api(Handle::NULL, 1, 2, &any, &v6(PEER), 80, 40000)
        .unwrap();
    let p = out(&mut t);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0][8..24], OURS);
    assert_eq!(p[0][40 + 13], 0x14, "RST|ACK");
    assert!(!tcp6_checksum_ok(&p[0]));
    let mut as_summed = p[0].clone();
    as_summed[8..24].copy_from_slice(&[0; 16]);
    assert!(tcp6_checksum_ok(&as_summed));
}

#[test]
fn a_changed_ipv6_address_aborts_its_pcbs_and_moves_its_listeners() {
    let other = {
        let mut a = OURS;
        a[15] = 9;
        a
    };
    let mut t = stack::<V6Only>(OURS);
    let bound = t.tcp_new(&mut NullApp).unwrap();
    assert_eq!(t.tcp_bind(bound, v6(OURS), 80).unwrap(), Err::Ok);
    let lh = t.tcp_new(&mut NullApp).unwrap();
    assert_eq!(t.tcp_bind(lh, v6(OURS), 81).unwrap(), Err::Ok);
    let l = t.tcp_listen_with_backlog(lh, 1).unwrap().unwrap();
    let any = t.tcp_new(&mut NullApp).unwrap();
    assert_eq!(t.tcp_bind(any, v6([0; 16]), 82).unwrap(), Err::Ok);
    t.netif_ip6_addr_set(other, &mut NullApp).unwrap();
    assert!(t.pcb(bound).is_err(), "aborted");
    assert!(t.pcb(any).is_ok(), "bound to any: kept");
    assert_eq!(t.listen_pcb(l).unwrap().local_ip, Ip6Addr(other));
    // The same address again: nothing changes.
    t.netif_ip6_addr_set(other, &mut NullApp).unwrap();
    assert!(t.pcb(any).is_ok());
    // Cleared (all zero): the listener keeps its address (the new one is
    // any), the pcbs on the old one go.
    let b2 = t.tcp_new(&mut NullApp).unwrap();
    assert_eq!(t.tcp_bind(b2, v6(other), 83).unwrap(), Err::Ok);
    t.netif_ip6_addr_set([0; 16], &mut NullApp).unwrap();
    assert!(t.pcb(b2).is_err());
    assert_eq!(t.listen_pcb(l).unwrap().local_ip, Ip6Addr(other));
}

#[test]
fn tcp_new_ip_type_types_both_addresses_in_a_dual_stack_build_only() {
    let mut t = stack::<Dual>(OURS);
    let h = t.tcp_new_ip_type(IpAddr::TYPE_V6, &mut NullApp).unwrap();
    let p = t.pcb(h).unwrap();
    assert_eq!((p.local_ip.ip_type(), p.remote_ip.ip_type()), (6, 6));
    let mut t = stack::<V6Only>(OURS);
    let h = t.tcp_new_ip_type(IpAddr::TYPE_V4, &mut NullApp).unwrap();
    assert_eq!(t.pcb(h).unwrap().local_ip.ip_type(), 6, "always IPv6");
}

#[test]
fn the_mss_without_a_route_is_sendmss_for_ipv4() {
    // tcp_eff_send_mss: ip4_route has no route to a loopback address (no
    // loopif), and tcp_eff_send_mss_netif leaves sendmss then.
    let t = stack::<Dual>(OURS);
    let (src, lo) = (
        IpAddrDual::from_v4([192, 168, 0, 1]),
        IpAddrDual::from_v4([127, 0, 0, 1]),
    );
    assert_eq!(t.tcp_eff_send_mss(2000, &src, &lo), 2000);
    let peer4 = IpAddrDual::from_v4([192, 0, 2, 1]);
    assert_eq!(
        t.tcp_eff_send_mss(2000, &src, &peer4),
        1460,
        "MTU 1500 - 40"
    );
    assert_eq!(
        t.tcp_eff_send_mss(2000, &v6(OURS), &v6(PEER)),
        1440,
        "MTU 1500 - 60"
    );
}
