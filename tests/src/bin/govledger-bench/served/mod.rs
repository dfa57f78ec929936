//! What the benchmarks that go through the real server share: a synthetic ledger with its
//! read models caught up (`ledger`), the server over it in-process (`server`), and the HTTP
//! load generator (`load`).

pub(crate) mod ledger;
pub(crate) mod load;
pub(crate) mod server;
