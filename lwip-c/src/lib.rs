//! lwIP C engine.
