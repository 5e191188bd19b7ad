//! The disk spool under a real crash: a child process appends (and delivers some) entries, is
//! killed with SIGKILL at a random moment, and a spool opened on the same directory holds
//! everything whose append had returned and nothing whose acknowledgement had returned.

use integration_tests::spool_child::Reported;
use rand::Rng;
use tga_client::spool::{DiskConfig, DiskSpool};

#[test]
fn a_killed_writer_loses_nothing_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rng();
    let mut reported = Reported::default();
    // Three lives of the writer on one directory, each killed at a random moment; each life
    // also delivers entries of the earlier ones. Small segments: rotation and reclaim run too.
    for life in 0..3u64 {
        let first = life * 1_000_000;
        let args = [
            "disk".to_owned(),
            dir.path().display().to_string(),
            first.to_string(),
            "65536".to_owned(),
        ];
        let lines = rng.random_range(1_000..10_000);
        reported.run_child(env!("CARGO_BIN_EXE_spool_child"), &args, first, lines);
    }
    let spool = DiskSpool::open(DiskConfig::new(dir.path()).segment_bytes(65536)).unwrap();
    reported.check(&spool.claim_now(usize::MAX).unwrap());
    assert_eq!(
        spool.recovery().discarded_bytes,
        0,
        "an append is one whole write"
    );
}
