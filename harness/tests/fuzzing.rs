//! The fuzzing support: prefix states, the tcp_input framing, the session
//! generator (valid by construction), scripts from cases, and repro /
//! minimize on a planted divergence.

mod fuzzing {
    use harness::fuzzing::drive::{self, FuzzCase, Stim, engines_named};
    use harness::fuzzing::{input, session};
    use proptest::prelude::*;

    fn c_rust() -> Vec<Box<dyn harness::engine::Engine>> {
        engines_named("c,rust").unwrap()
    }

    /// Every prefix runs on both engines without an error, and they agree.
    #[test]
    fn prefixes_reach_their_states_alike() {
        for (i, p) in input::PREFIXES.iter().enumerate() {
            let case = FuzzCase::from_scenario(&input::prefix_scenario(i));
            let checked = drive::check(&case, &mut c_rust(), true);
            assert!(
                checked.finding.is_none(),
                "prefix {}: {}",
                p.name,
                checked.finding.unwrap().describe()
            );
            let run = checked.runs[0].as_ref().unwrap();
            for (j, s) in run.trace.steps.iter().enumerate() {
                assert!(
                    s.error.is_none(),
                    "prefix {} step {j}: {:?}",
                    p.name,
                    s.error
                );
            }
            assert_eq!(run.trace.steps.len(), case.steps.len(), "prefix {}", p.name);
            let states: Vec<&str> = run
                .trace
                .steps
                .last()
                .unwrap()
                .conns()
                .iter()
                .map(|s| harness::oracle::state::state_name(s.get("state").unwrap()))
                .collect();
            eprintln!("{:>20}: {}", p.name, states.join(" "));
        }
    }

    #[test]
    fn input_framing_round_trips() {
        let inp = input::Input {
            selector: 3,
            packets: vec![(5, vec![1, 2, 3]), (70000, vec![]), (0, vec![9; 40])],
        };
        for timed in [false, true] {
            let bytes = input::encode(&inp, timed);
            let mut back = input::decode(&bytes, timed);
            if !timed {
                for p in &mut back.packets {
                    p.0 = 0;
                }
                let mut want = inp.clone();
                for p in &mut want.packets {
                    p.0 = 0;
                }
                assert_eq!(back, want);
            } else {
                assert_eq!(back, inp);
            }
        }
        // Garbage never fails to decode.
        let _ = input::to_case(&input::decode(&[0xff, 0xff], false), false);
        let _ = input::to_case(&input::decode(&[], true), true);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

        /// Generated sessions are valid by construction: no step is refused
        /// as an invalid stimulus by either engine, and the session's
        /// script form maps back to the same scenario.
        #[test]
        fn sessions_run_without_harness_errors(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let Some(sc) = session::scenario_of(&bytes) else { return Ok(()) };
            let case = FuzzCase::from_scenario(&sc);
            // Bit 1 of the setup byte runs a session over IPv6: on lwIP's
            // dual-stack build (on `c` it would be skipped).
            let mut engines = engines_named(if sc.config.is_ipv6() { "c:dual" } else { "c" }).unwrap();
            let checked = drive::check(&case, &mut engines, true);
            let run = checked.runs[0].as_ref().unwrap();
            for (j, s) in run.trace.steps.iter().enumerate() {
                prop_assert!(s.error.is_none(), "step {j} ({}): {:?}", sc.steps[j].source, s.error);
            }
            prop_assert!(checked.finding.is_none(), "{}", checked.finding.unwrap().describe());
            let text = harness::fuzzing::toscript::script_text(&case, &[], None).unwrap();
            let (script, _) = harness::script::parse("s.pkt", &text).unwrap();
            let (back, _) = harness::from_script::to_scenario(&script).unwrap();
            let back = FuzzCase::from_scenario(&back);
            let same = |c: &FuzzCase| c.steps.iter().map(|s| (s.at_us, match &s.stim { Stim::Model(a) => format!("{a:?}"), Stim::Raw(_) => String::new() })).collect::<Vec<_>>();
            prop_assert_eq!(same(&back), same(&case), "{}", text);
        }
    }
}
