//! What the benchmarks that go through the real server share: a synthetic ledger with its
//! read models caught up, served in-process (`ledger`), and the HTTP load generator (`load`).

pub(crate) mod ledger;
pub(crate) mod load;
