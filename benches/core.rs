//! Criterion benches of the core alone (no JS): encode, decode and plan, for the seed's sample
//! state and a large one (~200 extra jobData fields), so regressions show without JS noise.

#![allow(missing_docs, clippy::unwrap_used)]

use callstate::Codec;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const SAMPLE: &str = r#"{"callSid":"CA123abc456def","stage":"CONFIRM_JOB","attemptCount":2,"clientId":"ABC123","jobNumber":"456","actionType":"UPDATE_STATUS","actionValue":"COMPLETED","jobData":{"id":"rec123abc","jobNumber":"456","status":"IN_PROGRESS","createdDate":"2024-03-01T09:00:00.000Z","updatedDate":"2024-03-15T14:00:00.000Z","scheduledDate":"2024-03-20T08:30:00.000Z","customer":"Acme Plumbing","address":"742 Evergreen Terrace"},"lastUpdated":"2024-03-15T14:30:22.000Z","language":"es"}"#;

fn large() -> String {
    let fields: Vec<String> =
        (0..200).map(|i| format!("\"field{i}\":\"value number {i} of the job record\"")).collect();
    SAMPLE.replace("\"customer\"", &format!("{},\"customer\"", fields.join(",")))
}

/// The large state as users build it (issue 15): 200 jobData values of every JSON type, nested
/// objects and arrays among them (more than 64 openers, so depth is checked on every byte).
fn mixed() -> String {
    let value = |i: usize| match i % 6 {
        0 => format!("\"text {i}\""),
        1 => format!("{i}"),
        2 => format!("{i}.25"),
        3 => "true".to_string(),
        4 => format!("{{\"n\":{i},\"tags\":[\"a\",\"b\"]}}"),
        _ => format!("[{i},\"x\",{{\"k\":null}}]"),
    };
    let fields: Vec<String> = (0..200).map(|i| format!("\"field{i}\":{}", value(i))).collect();
    SAMPLE.replace("\"customer\"", &format!("{},\"customer\"", fields.join(",")))
}

fn bench(c: &mut Criterion) {
    let codec = Codec::default();
    for (name, json) in [("sample", SAMPLE.to_string()), ("large", large()), ("mixed", mixed())] {
        let state = codec.parse_state(&json).unwrap();
        let stored = codec.encode(&state).unwrap();
        c.bench_function(&format!("encode/{name}"), |b| {
            b.iter(|| codec.encode(&codec.parse_state(black_box(&json)).unwrap()).unwrap())
        });
        c.bench_function(&format!("decode/{name}"), |b| {
            b.iter(|| callstate::state_json(&codec.decode(black_box(&stored)).unwrap().state))
        });
        // What the JS packages call: canonical text is recognised without being rebuilt.
        let shim = format!("{{{}", &stored[callstate::wire::ENCODED_HEAD.len()..]);
        assert_eq!(callstate::wire::encode(&codec, &shim).unwrap(), None);
        c.bench_function(&format!("wire_encode/{name}"), |b| {
            b.iter(|| callstate::wire::encode(&codec, black_box(&shim)).unwrap())
        });
        c.bench_function(&format!("wire_decode/{name}"), |b| {
            b.iter(|| callstate::wire::decode(&codec, black_box(&stored)).unwrap())
        });
        c.bench_function(&format!("plan_update/{name}"), |b| {
            b.iter(|| {
                codec
                    .plan_update(
                        "CA123abc456def",
                        Some(&stored),
                        Some(codec.body(&state).unwrap()),
                        "w1",
                    )
                    .unwrap()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
