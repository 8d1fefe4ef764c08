//! `accept_events` throughput on a SQLite file in WAL mode, for batch sizes 1, 16 and 128.
//! Set `WXGATE_BENCH_POSTGRES_URL` to also measure PostgreSQL (in a throwaway schema).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wxgate_store::{NewEvent, SecretBox, Store};

fn event(n: u64) -> NewEvent {
    NewEvent {
        app: "bench".into(),
        event_type: "message.text".into(),
        source: serde_json::json!({"platform": "wecom", "corp_id": "ww0123456789"}).into(),
        dedup_key: format!("msg:{n}"),
        received_at: 1_700_000_000_000,
        data: Some(
            serde_json::json!({"from": "zhangsan", "content": "hello world", "msg_id": n}).into(),
        ),
        raw: format!("<xml><MsgId>{n}</MsgId><Content><![CDATA[hello world]]></Content></xml>"),
        webhooks: vec!["crm".into(), "audit".into()],
    }
}

fn run_group(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, store: &Store) {
    let mut next = 0u64;
    let mut group = c.benchmark_group(format!("accept_events/{name}"));
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
    run_group(c, &rt, "sqlite_wal", &store);

    if let Ok(base) = std::env::var("WXGATE_BENCH_POSTGRES_URL") {
        let schema = format!("bench_{:016x}", rand::random::<u64>());
        let admin = rt.block_on(async {
            let admin = sqlx::PgPool::connect(&base)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .expect("create bench schema");
            admin
        });
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let store = rt.block_on(async {
            let store = Store::connect(&url, SecretBox::generate().0)
                .await
                .expect("open PostgreSQL");
            store.migrate().await.expect("migrate");
            store
        });
        run_group(c, &rt, "postgres", &store);
        rt.block_on(async {
            store.close().await;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin)
                .await
                .expect("drop bench schema");
        });
    }
}

criterion_group!(benches, accept);
criterion_main!(benches);
