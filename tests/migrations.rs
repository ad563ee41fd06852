//! The two migration folders describe one schema: same file names, and
//! after running them, the same tables with the same columns on SQLite and
//! PostgreSQL.

use guichet::store::Store;
use guichet_tests::postgres::TestDatabase;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn names(dialect: &str) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dialect);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn both_dialects_have_the_same_migration_files() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

type Columns = BTreeSet<(String, String)>;

async fn sqlite_columns() -> Columns {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::connect(&format!("sqlite://{}/m.db?mode=rwc", dir.path().display())).await.expect("sqlite");
    store.migrate().await.expect("migrate");
    let Store::Sqlite(pool, _) = &store else { unreachable!() };
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("columns");
    rows.into_iter().collect()
}

#[tokio::test]
async fn both_dialects_create_the_same_tables_and_columns() {
    let sqlite = sqlite_columns().await;
    assert!(sqlite.contains(&("champs".into(), "stable_id".into())));
    assert!(sqlite.contains(&("jobs".into(), "locked_until".into())));
    let Some(db) = TestDatabase::create().await else {
        assert!(std::env::var("CI").is_err(), "CI must set GUICHET_TEST_POSTGRES_URL");
        eprintln!("GUICHET_TEST_POSTGRES_URL not set: PostgreSQL comparison skipped");
        return;
    };
    let store = Store::connect(&db.url).await.expect("postgres");
    store.migrate().await.expect("migrate");
    // Migrations are idempotent: a second run applies nothing and succeeds.
    store.migrate().await.expect("migrate again");
    let Store::Postgres(pool) = &store else { unreachable!() };
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("columns");
    let postgres: Columns = rows.into_iter().collect();
    store.close().await;
    assert_eq!(sqlite, postgres, "tables and columns differ between dialects");
}
