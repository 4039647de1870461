//! Provisioning throughput over a slow link: 10,000 hotspot users added pipelined on one
//! connection versus one command per round trip, against the simulator with 5 ms latency.
//! Target (ARCHITECTURE.md budgets): pipelined ≥ 25× faster and under 2 s.

use std::time::{Duration, Instant};

use steppe::routeros::{Client, ClientConfig, Command};
use steppe::sim::{SimConfig, Simulator};

const USERS: usize = 10_000;
const SEQUENTIAL_SAMPLE: usize = 1_000;
const LATENCY: Duration = Duration::from_millis(5);

fn add_user(name: &str) -> Command {
    Command::new("/ip/hotspot/user/add")
        .attr("name", name)
        .attr("password", "pw")
        .attr("profile", "default")
        .attr("comment", "steppe:bench")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut sim_config = SimConfig::new("7.16");
        sim_config.latency = LATENCY;
        let sim = Simulator::start(sim_config, "127.0.0.1:0".parse()?).await?;
        let client = Client::connect(&ClientConfig::new("127.0.0.1", sim.addr().port(), "admin", "")).await?;

        let started = Instant::now();
        let in_flight = (0..USERS)
            .map(|i| client.send(add_user(&format!("p{i}"))))
            .collect::<Result<Vec<_>, _>>()?;
        for command in in_flight {
            command.reply().await?;
        }
        let pipelined = started.elapsed();

        let started = Instant::now();
        for i in 0..SEQUENTIAL_SAMPLE {
            client.command(add_user(&format!("s{i}"))).await?;
        }
        let sample = started.elapsed();
        let sequential = sample.mul_f64(USERS as f64 / SEQUENTIAL_SAMPLE as f64);

        let ratio = sequential.as_secs_f64() / pipelined.as_secs_f64();
        println!("latency per reply: {LATENCY:?}");
        println!("pipelined:  {USERS} users in {:.3} s", pipelined.as_secs_f64());
        println!(
            "sequential: {SEQUENTIAL_SAMPLE} users in {:.3} s, extrapolated to {USERS} users: {:.1} s",
            sample.as_secs_f64(),
            sequential.as_secs_f64()
        );
        println!("ratio: pipelined is {ratio:.1}x faster");
        let ok = ratio >= 25.0 && pipelined < Duration::from_secs(2);
        println!("target (>= 25x and < 2 s): {}", if ok { "met" } else { "MISSED" });
        println!("simulator received {} sentences", sim.commands_received());
        sim.shutdown();
        Ok(())
    })
}
