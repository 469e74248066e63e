//! The adapter against its peers, linked once (each binary links the AWS SDK): the sandbox over
//! HTTP through the real SDK clients, moto's server for EC2 and STS, and pairing and readiness
//! on the sandbox's built-in scenario. Run one part with `cargo test -p drs-aws --test peers
//! against_moto::`.

mod against_moto;
mod against_sandbox;
mod pairs_and_readiness;
