//! The port's heap model (tcp-rust/src/mem.rs) against lwIP's mem.c itself:
//! random sequences of mem_malloc / mem_free / mem_trim run on both, and
//! every allocation must land at the same offset (or fail on both), with
//! the same `lwip_stats.mem.used`, `max` and `err` after every operation. Equal
//! byte counts alone would not show that the first-fit layout is the same;
//! equal offsets do. lwIP's assertions in mem_trim must fail on both.

use lwip_c::{Stack, StackConfig};
use proptest::prelude::*;
use tcp_rust::config::Config;
use tcp_rust::mem::{Heap, MemPtr};

#[derive(Debug, Clone)]
enum Op {
    Malloc(u16),
    /// Free the live block at this index (mod the number live).
    Free(usize),
    /// Trim the live block at this index to this fraction (in 1/256) of
    /// its requested size.
    Trim(usize, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop_oneof![1u16..64, 64u16..1600, 1600u16..17000].prop_map(Op::Malloc),
        2 => any::<usize>().prop_map(Op::Free),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, f)| Op::Trim(i, f)),
    ]
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let cfg = Config::full();
    let mut stack = Stack::new(StackConfig::default()).expect("C stack");
    let mut heap = Heap::EMPTY;
    heap.mem_init(cfg.mem_size, cfg.mem_alignment);
    let hdr = Heap::sizeof_struct_mem(cfg.mem_alignment);
    // (C data offset, port block, requested size)
    let mut live: Vec<(u16, MemPtr, u16)> = Vec::new();
    for (n, o) in ops.iter().enumerate() {
        match *o {
            Op::Malloc(size) => {
                let c = stack.mem_malloc(size).expect("mem_malloc");
                let r = heap.mem_malloc(size);
                prop_assert_eq!(
                    c,
                    r.map(|m| m.0 + hdr),
                    "op {}: mem_malloc({}) C vs port data offset",
                    n,
                    size
                );
                if let (Some(c), Some(r)) = (c, r) {
                    live.push((c, r, size));
                }
            }
            Op::Free(i) if !live.is_empty() => {
                let (c, r, _) = live.remove(i % live.len());
                stack.mem_free(c).expect("mem_free");
                heap.mem_free(r).expect("the port's mem_free");
            }
            Op::Trim(i, f) if !live.is_empty() => {
                let k = i % live.len();
                let (c, r, size) = live[k];
                let new = ((u32::from(size) * u32::from(f)) / 256).max(1) as u16;
                let port = heap.mem_trim(r, new);
                match (stack.mem_trim(c, new), port) {
                    (Ok(()), Ok(())) => {}
                    // Both assert (the last block, with room behind it):
                    // lwIP's state is gone, the case ends here.
                    (Err(lwip_c::StackError::Asserted(a)), Err(msg)) => {
                        prop_assert_eq!(a.msg, msg);
                        return Ok(());
                    }
                    (c, r) => prop_assert!(false, "op {}: mem_trim: C {:?}, port {:?}", n, c, r),
                }
                live[k].2 = new;
            }
            _ => continue,
        }
        let a = stack.accounting();
        prop_assert_eq!(a.heap_used, heap.used(), "op {}: {:?}: mem.used", n, o);
        prop_assert_eq!(a.heap_err, heap.errors(), "op {}: {:?}: mem.err", n, o);
        prop_assert_eq!(a.heap_max, heap.max_used(), "op {}: {:?}: mem.max", n, o);
    }
    for (c, r, _) in live.drain(..) {
        stack.mem_free(c).expect("mem_free");
        heap.mem_free(r).expect("the port's mem_free");
    }
    prop_assert_eq!(stack.accounting().heap_used, 0);
    prop_assert_eq!(heap.used(), 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn port_heap_matches_mem_c(ops in proptest::collection::vec(op(), 1..120)) {
        run(&ops)?;
    }
}

/// The shapes TCP makes: full segments at PBUF_TRANSPORT until the heap is
/// exhausted, every other one freed, a split's remainder and trim.
#[test]
fn tcp_shaped_sequence_matches_mem_c() {
    let mut ops = Vec::new();
    for _ in 0..12 {
        ops.push(Op::Malloc(24 + 40 + 1472));
    }
    for i in (0..12).step_by(2) {
        ops.push(Op::Free(12 - 1 - i));
    }
    ops.push(Op::Malloc(24 + 40 + 600));
    ops.push(Op::Trim(0, 100));
    ops.push(Op::Malloc(24 + 24 + 32));
    ops.push(Op::Malloc(5000));
    run(&ops).unwrap();
}
