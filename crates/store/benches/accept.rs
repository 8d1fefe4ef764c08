//! `accept_events` throughput on a SQLite file in WAL mode, for batch sizes 1, 16 and 128.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wxgate_store::{NewEvent, SecretBox, Store};

fn event(n: u64) -> NewEvent {
    NewEvent {
        app: "bench".into(),
        event_type: "message.text".into(),
        source: serde_json::json!({"platform": "wecom", "corp_id": "ww0123456789"}),
        dedup_key: format!("msg:{n}"),
        received_at: 1_700_000_000_000,
        data: serde_json::json!({"from": "zhangsan", "content": "hello world", "msg_id": n}),
        raw: format!("<xml><MsgId>{n}</MsgId><Content><![CDATA[hello world]]></Content></xml>"),
        webhooks: vec!["crm".into(), "audit".into()],
    }
}

fn accept(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = rt.block_on(async {
        let store = Store::connect(&url, SecretBox::generate().0)
            .await
            .expect("open SQLite");
        store.migrate().await.expect("migrate");
        store
    });
    let mut next = 0u64;
    let mut group = c.benchmark_group("accept_events/sqlite_wal");
    for size in [1u64, 16, 128] {
        group.throughput(Throughput::Elements(size));
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, &size| {
            b.iter(|| {
                let batch: Vec<NewEvent> = (0..size)
                    .map(|_| {
                        next += 1;
                        event(next)
                    })
                    .collect();
                rt.block_on(store.accept_events(batch)).expect("accept")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, accept);
criterion_main!(benches);
