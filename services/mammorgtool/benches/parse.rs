//! Parsing throughput on one core for typical English reports (the hand-written US-style and
//! prose corpora). Reports/s = criterion's "elements/s".

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use mammorgtool::Parser;

fn reports() -> Vec<String> {
    let mut out = Vec::new();
    for file in [include_str!("../tests/corpus/us.jsonl"), include_str!("../tests/corpus/prose.jsonl")] {
        for line in file.lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                if let Some(t) = v["text"].as_str() {
                    out.push(t.to_string());
                }
            }
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let parser = Parser::new().expect("lexicon builds");
    let texts = reports();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function(format!("typical_en_reports ({} reports, {} bytes avg)", texts.len(), bytes / texts.len().max(1)), |b| {
        b.iter(|| {
            for t in &texts {
                black_box(parser.parse(black_box(t)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
