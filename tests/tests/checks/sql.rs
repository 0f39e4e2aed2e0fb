//! `checks::sql` against `PostgreSQL`, `MariaDB` and `SQLite`.

use healthz_actix::Status;
use healthz_actix::checks;
use healthz_tests::{Needs, Proxy, Service};
use sqlx::mysql::MySqlPoolOptions;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{Database, Pool};

use crate::{Expect, TIMED_OUT, assert_pass, evaluate, health, outage_and_recovery, until};

/// Passes on its own and as a probe, with the pool's size and the server's version as details.
async fn passes<DB: Database>(pool: Pool<DB>)
where
    Pool<DB>: checks::SqlPool,
{
    let check = checks::sql(&pool).await;
    assert_pass(&check);
    let details: std::collections::HashMap<&str, &serde_json::Value> = check.details().collect();
    assert!(
        details["pool_size"].as_u64().is_some_and(|n| n >= 1),
        "{details:?}"
    );
    assert!(details["idle"].as_u64().is_some(), "{details:?}");
    let version = details["server_version"].as_str().unwrap_or_default();
    assert!(
        version.chars().next().is_some_and(|c| c.is_ascii_digit()),
        "{details:?}"
    );
    let health = health(crate::TIMEOUT * 10, move || checks::sql(&pool));
    let (status, output, _) = evaluate(&health).await;
    assert_eq!(status, Status::Pass, "{output:?}");
}

#[tokio::test]
async fn postgres_passes() {
    let Some(postgres) = Service::get(Needs::Postgres) else {
        return;
    };
    passes(PgPoolOptions::new().connect(postgres.url()).await.unwrap()).await;
}

#[tokio::test]
async fn mysql_passes() {
    let Some(mysql) = Service::get(Needs::MySql) else {
        return;
    };
    passes(MySqlPoolOptions::new().connect(mysql.url()).await.unwrap()).await;
}

#[tokio::test]
async fn sqlite_passes_and_fails_on_a_closed_pool() {
    let pool = SqlitePoolOptions::new()
        .connect("sqlite::memory:")
        .await
        .unwrap();
    passes(pool.clone()).await;
    pool.close().await;
    let check = checks::sql(&pool).await;
    assert_eq!(check.status(), Status::Fail);
    assert_eq!(
        check.output(),
        Some("SQLite: cannot get a connection: attempted to acquire a connection on a closed pool")
    );
}

/// The pool reaches the server only through the proxy. sqlx retries refused connections until
/// its `acquire_timeout`, so a refused server shows as no connection within the timeout.
const POSTGRES_DOWN: Expect<'static> = Expect {
    probe: &[TIMED_OUT],
    alone: &["PostgreSQL: no connection within 300ms"],
};
const MYSQL_DOWN: Expect<'static> = Expect {
    probe: &[TIMED_OUT],
    alone: &["MySQL: no connection within 300ms"],
};

#[tokio::test]
async fn postgres_outage_refused_blackholed_and_recovered() {
    let Some(postgres) = Service::get(Needs::Postgres) else {
        return;
    };
    let proxy = Proxy::start(postgres.addr()).await;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&postgres.url_via(proxy.addr()))
        .await
        .unwrap();
    outage_and_recovery(
        &proxy,
        move || checks::sql(&pool),
        POSTGRES_DOWN,
        POSTGRES_DOWN,
    )
    .await;
}

#[tokio::test]
async fn mysql_outage_refused_blackholed_and_recovered() {
    let Some(mysql) = Service::get(Needs::MySql) else {
        return;
    };
    let proxy = Proxy::start(mysql.addr()).await;
    let pool = MySqlPoolOptions::new()
        .max_connections(2)
        .connect(&mysql.url_via(proxy.addr()))
        .await
        .unwrap();
    outage_and_recovery(&proxy, move || checks::sql(&pool), MYSQL_DOWN, MYSQL_DOWN).await;
}

/// Without `test_before_acquire`, the pool hands out its idle connection as is, and the check's
/// own ping is what meets the blackhole. The check closes that connection instead of handing it
/// back (sqlx would ping it again on return, with no timeout), so the pool's only slot frees up
/// while the server is still silent.
#[tokio::test]
async fn postgres_outage_during_the_ping_frees_the_connection() {
    let Some(postgres) = Service::get(Needs::Postgres) else {
        return;
    };
    let proxy = Proxy::start(postgres.addr()).await;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect(&postgres.url_via(proxy.addr()))
        .await
        .unwrap();
    assert_pass(&checks::sql(&pool).await);
    until("back in the pool", || pool.num_idle() == 1).await;

    proxy.blackhole().await;
    let check = checks::sql(&pool).timeout(crate::TIMEOUT).await;
    assert_eq!(
        check.output(),
        Some("PostgreSQL: no answer to a ping within 300ms")
    );
    until("closed", || pool.size() == 0).await;

    proxy.restore().await;
    let health = health(crate::TIMEOUT, move || checks::sql(&pool));
    crate::recovers(&health).await;
}

#[tokio::test]
async fn sql_outputs_never_show_the_password() {
    let Some(postgres) = Service::get(Needs::Postgres) else {
        return;
    };
    let mut url = url::Url::parse(postgres.url()).unwrap();
    url.set_username("healthz_no_such_role").unwrap();
    url.set_password(Some("hunter2")).unwrap();
    let pool = PgPoolOptions::new().connect_lazy(url.as_str()).unwrap();
    let check = checks::sql(&pool).await;
    assert_eq!(check.status(), Status::Fail);
    let output = check.output().unwrap();
    assert!(
        output.starts_with("PostgreSQL: cannot get a connection: "),
        "{output}"
    );
    assert!(output.contains("healthz_no_such_role"), "{output}");
    assert!(!output.contains("hunter2"), "{output}");
}
