// Temporary probe (removed after use).
#[tokio::main]
async fn main() {
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let path = std::env::args().nth(2).unwrap();
    let _ = std::fs::remove_file(&path);
    let app = qinqing::open(&format!("sqlite://{path}?mode=rwc"))
        .await
        .unwrap();
    let t = std::time::Instant::now();
    qinqing_app::demo::load_sized(&app, n).await.unwrap();
    println!("load {:?}", t.elapsed());
}
