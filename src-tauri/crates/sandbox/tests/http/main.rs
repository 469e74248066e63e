//! The sandbox over its wire protocols, linked once: malformed and unknown requests, job quotas
//! and drill-instance replacement.

mod bad_requests;
mod jobs;
