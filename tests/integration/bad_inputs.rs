//! The bad-input corpus: malformed arrays, images, instance files, configs and flags, each run
//! through the built binary. Every case must exit with its code (1 bad data, 2 bad usage),
//! print an `error:` line that names the file and the key or flag at fault, never panic, and
//! leave no output behind.

use std::path::Path;
use std::process::Command;

struct Case {
    name: String,
    files: Vec<(String, Vec<u8>)>,
    args: Vec<String>,
    code: i32,
    /// Substrings the first line of stderr must hold (the file, the key or flag, the problem).
    must: Vec<String>,
}

fn case(name: &str, files: Vec<(&str, Vec<u8>)>, args: &[&str], code: i32, must: &[&str]) -> Case {
    Case {
        name: name.to_string(),
        files: files.into_iter().map(|(n, b)| (n.to_string(), b)).collect(),
        args: args.iter().map(|s| s.to_string()).collect(),
        code,
        must: must.iter().map(|s| s.to_string()).collect(),
    }
}

/// `.npy` bytes with any header (numpy's v1.0 layout), for arrays numpy itself could write and
/// ones it could not.
fn npy(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: String = shape.iter().map(|d| format!("{d}, ")).collect();
    let mut h = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({dims}), }}",
        if fortran { "True" } else { "False" }
    );
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(h.len() as u16).to_le_bytes());
    b.extend_from_slice(h.as_bytes());
    b.extend_from_slice(data);
    b
}

fn f8(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Spin arrays every command that reads spins must refuse, with the words that say why.
fn bad_spin_files() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let good = npy("<f8", false, &[1, 4, 4], &f8(&[1.0; 16]));
    vec![
        ("text.npy", b"hello, not numpy".to_vec(), "not an .npy file"),
        ("empty.npy", Vec::new(), "not an .npy file"),
        ("cut.npy", good[..good.len() - 8].to_vec(), "truncated .npy"),
        (
            "flat.npy",
            npy("<f8", false, &[4], &f8(&[1.0, -1.0, 1.0, 1.0])),
            "wrong shape [4]",
        ),
        (
            "fourd.npy",
            npy("<f8", false, &[1, 2, 2, 2], &f8(&[1.0; 8])),
            "wrong shape [1, 2, 2, 2]",
        ),
        (
            "nan.npy",
            npy("<f8", false, &[1, 2, 2], &f8(&[1.0, f64::NAN, 1.0, 1.0])),
            "NaN",
        ),
        (
            "inf.npy",
            npy("<f8", false, &[1, 2, 2], &f8(&[1.0, f64::INFINITY, 1.0, 1.0])),
            "inf",
        ),
        (
            "half.npy",
            npy("<f8", false, &[1, 2, 2], &f8(&[1.0, 0.5, 1.0, 1.0])),
            "0.5",
        ),
        (
            "mixed.npy",
            npy("<f8", false, &[1, 2, 2], &f8(&[1.0, -1.0, 0.0, 1.0])),
            "mixes -1 and 0",
        ),
        ("tiny.npy", npy("<f8", false, &[2, 1, 1], &f8(&[1.0, -1.0])), "1×1"),
        ("zero.npy", npy("<f8", false, &[0, 4, 4], &[]), "wrong shape [0, 4, 4]"),
        (
            "complex.npy",
            npy("<c16", false, &[1, 2, 2], &[0; 64]),
            "dtype \"<c16\"",
        ),
        ("bigend.npy", npy(">f8", false, &[1, 2, 2], &[0; 32]), "dtype \">f8\""),
        (
            "fortran.npy",
            npy("<f8", true, &[1, 2, 2], &f8(&[1.0; 4])),
            "Fortran order",
        ),
        (
            "garbage.npy",
            b"\x93NUMPY\x01\x00\x10\x00{{{{{{{{{{{{{{{\n".to_vec(),
            "not an .npy file",
        ),
        // A header promising petabytes is refused before anything is allocated.
        (
            "huge.npy",
            npy("<f8", false, &[1_000_000_000, 1000, 1000], &[]),
            "truncated .npy",
        ),
    ]
}

fn spin_cases() -> Vec<Case> {
    let mut v = Vec::new();
    for (file, bytes, why) in bad_spin_files() {
        for cmd in [
            vec!["info", file],
            vec!["render", file, "--out", "out.png"],
            vec!["inverse", file, "--out", "out"],
        ] {
            v.push(case(
                &format!("{} {file}", cmd[0]),
                vec![(file, bytes.clone())],
                &cmd,
                1,
                &[file, why],
            ));
        }
    }
    for cmd in [
        vec!["info", "missing.npy"],
        vec!["render", "missing.npy", "--out", "out.png"],
        vec!["inverse", "missing.npy", "--out", "out"],
    ] {
        v.push(case(
            &format!("{} missing", cmd[0]),
            vec![],
            &cmd,
            1,
            &["missing.npy", "cannot read"],
        ));
    }
    v
}

fn image_cases() -> Vec<Case> {
    let png_head = b"\x89PNG\r\n\x1a\n".to_vec();
    let jpeg_head = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];
    vec![
        case(
            "gif",
            vec![("i.gif", b"GIF89a".to_vec())],
            &["inverse", "i.gif", "--out", "out"],
            1,
            &["i.gif", "unsupported format"],
        ),
        case(
            "cut png",
            vec![("i.png", png_head)],
            &["inverse", "i.png", "--out", "out"],
            1,
            &["i.png", "cannot decode image"],
        ),
        case(
            "text png",
            vec![("t.png", b"not an image".to_vec())],
            &["inverse", "t.png", "--out", "out"],
            1,
            &["t.png"],
        ),
        case(
            "cut jpeg",
            vec![("i.jpg", jpeg_head)],
            &["inverse", "i.jpg", "--out", "out"],
            1,
            &["i.jpg"],
        ),
        case(
            "empty jpeg",
            vec![("e.jpg", Vec::new())],
            &["inverse", "e.jpg", "--out", "out"],
            1,
            &["e.jpg"],
        ),
    ]
}

/// A valid 2×2 OVF 2.0 text file of up spins, to be broken one way at a time.
fn ovf_text() -> String {
    let mut s = String::from(
        "# OOMMF OVF 2.0\n# Segment count: 1\n# Begin: Segment\n# Begin: Header\n# meshtype: rectangular\n\
         # valuedim: 3\n# xnodes: 2\n# ynodes: 2\n# znodes: 1\n# End: Header\n# Begin: Data Text\n",
    );
    for _ in 0..4 {
        s.push_str("0 0 1\n");
    }
    s + "# End: Data Text\n# End: Segment\n"
}

fn ovf_cases() -> Vec<Case> {
    let good = ovf_text();
    let binary = |width: usize, check: &[u8]| {
        let mut b = good.replace("Data Text", &format!("Data Binary {width}")).into_bytes();
        let at = b.windows(5).position(|w| w == b"0 0 1").unwrap();
        let end = b.windows(9).position(|w| w == b"# End: Da").unwrap();
        let mut block = check.to_vec();
        block.extend(std::iter::repeat_n(0u8, 12 * width));
        block.push(b'\n');
        b.splice(at..end, block);
        b
    };
    let broken: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not ovf", b"# hello\n0 0 1\n".to_vec(), "not an OVF file"),
        ("3-D", good.replace("znodes: 1", "znodes: 2").into_bytes(), "znodes = 2"),
        (
            "scalar field",
            good.replace("valuedim: 3", "valuedim: 1").into_bytes(),
            "valuedim = 1",
        ),
        ("no xnodes", good.replace("# xnodes: 2\n", "").into_bytes(), "no xnodes"),
        (
            "bad number",
            good.replacen("0 0 1", "0 zero 1", 1).into_bytes(),
            "\"zero\" is not a number",
        ),
        (
            "too few values",
            good.replacen("0 0 1\n", "", 1).into_bytes(),
            "holds 9 values",
        ),
        (
            "too many values",
            good.replacen("0 0 1\n", "0 0 1 0\n", 1).into_bytes(),
            "more than the 12 values",
        ),
        (
            "no end",
            good.replace("# End: Data Text\n", "").into_bytes(),
            "no \"# End: Data Text\"",
        ),
        (
            "huge mesh",
            good.replace("xnodes: 2", "xnodes: 4000000000").into_bytes(),
            "promises",
        ),
        ("big-endian b4", binary(4, &1_234_567f32.to_be_bytes()), "check value"),
        ("wrong check b8", binary(8, &1.0f64.to_le_bytes()), "check value"),
        (
            "cut b8",
            {
                let b = binary(8, &123_456_789_012_345f64.to_le_bytes());
                b[..b.len() - 50].to_vec()
            },
            "truncated",
        ),
        (
            "zero spins",
            binary(4, &1_234_567f32.to_le_bytes()),
            "spin 0 has length 0",
        ),
        (
            "long spins",
            good.replace("0 0 1", "0 0 2").into_bytes(),
            "spin 0 has length 2",
        ),
        (
            "irregular",
            good.replace("rectangular", "irregular").into_bytes(),
            "irregular",
        ),
        ("empty .ovf", Vec::new(), "not an OVF file"),
    ];
    let mut v = Vec::new();
    for (name, bytes, problem) in broken {
        for cmd in [
            vec!["render", "s.ovf", "--out", "out.png"],
            vec!["export", "s.ovf", "--npy", "--out", "out"],
        ] {
            v.push(case(
                &format!("ovf {name} ({})", cmd[0]),
                vec![("s.ovf", bytes.clone())],
                &cmd,
                1,
                &["s.ovf", problem],
            ));
        }
    }
    v
}

fn couplings_cases() -> Vec<Case> {
    fn gs(f: &str) -> Vec<&str> {
        vec!["groundstate", "--couplings", f, "--boundary", "open", "--out", "out"]
    }
    let c = |name: &str, file: &str, bytes: Vec<u8>, why: &str| {
        let args = gs(file);
        case(name, vec![(file, bytes)], &args, 1, &[file, why])
    };
    vec![
        c("couplings text", "j.npy", b"bonds".to_vec(), "not an .npy file"),
        c(
            "couplings nan",
            "j.npy",
            npy("<f8", false, &[3, 3, 2], &f8(&[f64::NAN; 18])),
            "NaN",
        ),
        c(
            "couplings shape",
            "j.npy",
            npy("<f8", false, &[3, 3], &f8(&[1.0; 9])),
            "wrong shape",
        ),
        c(
            "couplings int8",
            "j.npy",
            npy("|i1", false, &[3, 3, 2], &[1; 18]),
            "float64",
        ),
        c(
            "couplings 1x1",
            "j.npy",
            npy("<f8", false, &[1, 1, 2], &f8(&[1.0; 2])),
            "1×1",
        ),
        case(
            "couplings missing",
            vec![],
            &gs("none.npy"),
            1,
            &["none.npy", "cannot read"],
        ),
    ]
}

/// Config keys set to bad values: `(line prefix to replace, replacement, words the message
/// must hold)`; the replaced line is the first that starts with the prefix in the default.
const CONFIG_EDITS: &[(&str, &str, &[&str])] = &[
    ("lx = ", "lx = 1", &["data.lx"]),
    ("ly = ", "ly = 0", &["data.lx/ly"]),
    ("lx = ", "lx = -5", &["data.lx", "-5"]),
    ("lx = ", "lx = \"ten\"", &["data.lx", "string"]),
    ("lx = ", "lx = 100000", &["data.samples", "LSO_MAX_MEMORY_GB"]),
    ("samples = ", "samples = 0", &["data.samples"]),
    ("samples = ", "samples = 1000000000000", &["data.samples", "GiB"]),
    ("p = ", "p = [1.5]", &["data.p", "1.5"]),
    ("p = ", "p = []", &["data.p"]),
    ("boundary = ", "boundary = \"sphere\"", &["data.boundary", "sphere"]),
    ("source = ", "source = \"magic\"", &["data.source", "magic"]),
    ("sampler = \"metro", "sampler = \"gibbs\"", &["data.sampler", "gibbs"]),
    ("burn_in = ", "burn_in = -1", &["data.burn_in"]),
    ("thin = ", "thin = 0", &["data.thin"]),
    ("chains = ", "chains = 0", &["data.chains"]),
    ("j = ", "j = nan", &["data.j", "NaN"]),
    ("h = ", "h = inf", &["data.h", "inf"]),
    ("temperatures = ", "temperatures = [-1.0]", &["data.temperatures", "-1"]),
    ("temperatures = ", "temperatures = []", &["data.temperatures"]),
    ("disorder = ", "disorder = \"chaos\"", &["data.disorder", "chaos"]),
    ("start = ", "start = -4.0", &["data.anneal", "-4"]),
    ("steps = ", "steps = 0", &["data.anneal", "steps"]),
    ("sweeps_per_step = ", "sweeps_per_step = 0", &["data.anneal", "sweep"]),
    ("hidden = [256", "hidden = []", &["vae.hidden"]),
    ("hidden = [256", "hidden = [100000000, 100000000]", &["vae", "weights"]),
    ("latent = ", "latent = 0", &["vae.latent"]),
    ("output = ", "output = \"relu6\"", &["vae.output", "relu6"]),
    ("epochs = 40", "epochs = 0", &["vae.train", "epochs"]),
    ("batch_size = 64", "batch_size = 0", &["vae.train", "batch_size"]),
    (
        "learning_rate = 0.001",
        "learning_rate = -1.0",
        &["vae.train", "learning_rate"],
    ),
    ("beta = 1.0", "beta = -1.0", &["vae.train", "beta"]),
    (
        "reconstruction = ",
        "reconstruction = \"l3\"",
        &["vae.train.reconstruction", "l3"],
    ),
    ("validation = 0.1", "validation = 1.5", &["vae.train", "validation"]),
    ("patience = 8", "patience = -2", &["vae.train.patience"]),
    ("ensemble = ", "ensemble = 0", &["surrogate.ensemble"]),
    ("ensemble = ", "ensembles = 5", &["ensembles"]),
    ("epochs = 150", "epochs = 0", &["surrogate", "epochs"]),
    ("budget = ", "budget = 0", &["optimise.budget"]),
    ("kappa = ", "kappa = -1.0", &["optimise.kappa"]),
    ("methods = ", "methods = [\"sgd\"]", &["optimise.methods", "sgd"]),
    ("methods = ", "methods = []", &["optimise.methods"]),
    ("objective = ", "objective = \"fun\"", &["optimise.objective", "fun"]),
    ("penalty = ", "penalty = -1.0", &["optimise", "penalty"]),
    ("prior_samples = ", "prior_samples = 0", &["optimise.prior_samples"]),
    ("radius = ", "radius = -3.0", &["optimise.radius"]),
    ("restarts = 10", "restarts = 0", &["optimise.restarts"]),
    ("beta1 = ", "beta1 = 1.5", &["optimise.adam", "beta1"]),
    ("epsilon = ", "epsilon = -1.0", &["optimise.adam", "epsilon"]),
    ("sigma = ", "sigma = 0.0", &["optimise.cmaes", "sigma"]),
    ("elite = ", "elite = 1000", &["optimise.genetic", "elite"]),
    ("version = ", "version = 99", &["version"]),
    ("seed = ", "seed = -1", &["seed"]),
    ("name = ", "name = \"\"", &["name"]),
    ("name = ", "name = \"../../escape\"", &["name"]),
];

/// Whole-file problems: text appended to the default, or a file on its own.
const CONFIG_TEXTS: &[(&str, &str, &[&str])] = &[
    ("unknown table", "APPEND[mystery]\nx = 1\n", &["mystery"]),
    ("duplicate table", "APPEND[data]\nlx = 4\n", &["duplicate key"]),
    ("broken syntax", "x = [\n", &["line"]),
    ("binary", "\u{0}\u{1}\u{2}", &["line"]),
    ("empty chiral", "[chiral]\nsize = 3\n", &["chiral"]),
    (
        "chiral hidden without the paper network",
        "version = 1\nname = \"c\"\n[chiral]\nlx = 8\nly = 8\n[vae]\nhidden = 16\n",
        &["vae.hidden", "paper"],
    ),
    (
        "chiral zero hidden",
        "version = 1\nname = \"c\"\n[chiral]\nlx = 8\nly = 8\n[vae]\narch = \"paper\"\nhidden = 0\n",
        &["vae.hidden", "at least 1"],
    ),
    (
        "chiral unknown arch",
        "version = 1\nname = \"c\"\n[chiral]\nlx = 8\nly = 8\n[vae]\narch = \"resnet\"\n",
        &["vae.arch", "resnet"],
    ),
];

fn config_cases(default: &str) -> Vec<Case> {
    let mut v = Vec::new();
    for (k, (prefix, replacement, must)) in CONFIG_EDITS.iter().enumerate() {
        let mut lines: Vec<String> = default.lines().map(str::to_string).collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("the default config has no line starting {prefix:?}"));
        lines[at] = replacement.to_string();
        let file = format!("c{k}.toml");
        let mut words = vec![file.as_str()];
        words.extend(must.iter());
        v.push(case(
            &format!("config {replacement}"),
            vec![(&file, (lines.join("\n") + "\n").into_bytes())],
            &["run", &file, "--out", "out"],
            2,
            &words,
        ));
    }
    for (k, (name, text, must)) in CONFIG_TEXTS.iter().enumerate() {
        let body = match text.strip_prefix("APPEND") {
            Some(t) => format!("{default}\n{t}"),
            None => text.to_string(),
        };
        let file = format!("t{k}.toml");
        let mut words = vec![file.as_str()];
        words.extend(must.iter());
        v.push(case(
            &format!("config {name}"),
            vec![(&file, body.into_bytes())],
            &["run", &file, "--out", "out"],
            2,
            &words,
        ));
    }
    v.push(case(
        "config missing",
        vec![],
        &["run", "nope.toml", "--out", "out"],
        2,
        &["nope.toml"],
    ));
    v.push(case(
        "compare config",
        vec![("cmp.toml", b"seeds = \"x\"\n".to_vec())],
        &["compare", "cmp.toml", "--out", "out"],
        2,
        &["cmp.toml", "line 1, key seeds"],
    ));
    v.push(case(
        "compare budgets",
        vec![("cmp.toml", b"budgets = [100, 10]\n".to_vec())],
        &["compare", "cmp.toml", "--out", "out"],
        2,
        &["cmp.toml", "budgets"],
    ));
    v
}

fn flag_cases() -> Vec<Case> {
    let f = |name: &str, args: &[&str], must: &[&str]| case(name, vec![], args, 2, must);
    vec![
        f(
            "size text",
            &["generate", "ising", "--size", "abc", "--out", "out"],
            &["--size", "abc"],
        ),
        f(
            "size one",
            &["generate", "ising", "--size", "1", "--out", "out"],
            &["--size", "at least 2"],
        ),
        f(
            "thin zero",
            &["generate", "ising", "--thin", "0", "--out", "out"],
            &["--thin"],
        ),
        f(
            "anneal steps",
            &[
                "generate",
                "ising",
                "--source",
                "anneal",
                "--anneal-steps",
                "1",
                "--out",
                "out",
            ],
            &["--anneal-steps"],
        ),
        f(
            "samples zero",
            &["generate", "ising", "--samples", "0", "--out", "out"],
            &["samples"],
        ),
        f(
            "p out of range",
            &["generate", "ising", "--p", "1.5", "--out", "out"],
            &["p must be in [0, 1]"],
        ),
        f(
            "source",
            &["generate", "ising", "--source", "magic", "--out", "out"],
            &["--source", "magic"],
        ),
        f(
            "sampler",
            &["generate", "ising", "--sampler", "gibbs", "--out", "out"],
            &["--sampler", "gibbs"],
        ),
        f(
            "boundary",
            &["generate", "ising", "--boundary", "sphere", "--out", "out"],
            &["--boundary", "sphere"],
        ),
        f(
            "temperature zero",
            &[
                "generate",
                "ising",
                "--source",
                "mc",
                "--temperature",
                "0",
                "--out",
                "out",
            ],
            &["must be > 0"],
        ),
        f(
            "unknown flag",
            &["generate", "ising", "--frobnicate", "--out", "out"],
            &["--frobnicate"],
        ),
        f(
            "seed negative",
            &["generate", "ising", "--seed", "-1", "--out", "out"],
            &["--seed", "-1"],
        ),
        f(
            "shapes points",
            &["generate", "shapes", "--points", "1000000000", "--out", "out"],
            &["LSO_MAX_MEMORY_GB"],
        ),
        f(
            "chiral samples",
            &["generate", "chiral", "--samples", "100000000", "--out", "out"],
            &["needs about"],
        ),
        f("bins zero", &["info", "x.npy", "--bins", "0"], &["--bins"]),
        f(
            "render scale",
            &["render", "x.npy", "--scale", "0", "--out", "out.png"],
            &["--scale"],
        ),
        f("render jpg", &["render", "x.npy", "--out", "out.jpg"], &["out.jpg"]),
        f(
            "inverse method",
            &["inverse", "x.npy", "--method", "x", "--out", "out"],
            &["--method"],
        ),
        f(
            "groundstate bonds",
            &["groundstate", "--size", "8", "--bonds", "x", "--out", "out"],
            &["--bonds"],
        ),
        f(
            "groundstate none",
            &["groundstate", "--out", "out"],
            &["--couplings", "--size"],
        ),
        f(
            "compare shard",
            &["compare", "--shard", "3/2", "--out", "out"],
            &["--shard", "3/2"],
        ),
        f("bench size", &["bench", "sweeps", "--size", "1"], &["--size"]),
        f("bench what", &["bench", "everything"], &["everything"]),
        f("no command", &["frobnicate"], &["frobnicate"]),
    ]
}

fn run(d: &Path, c: &Case) -> Result<(), String> {
    for (name, bytes) in &c.files {
        std::fs::write(d.join(name), bytes).unwrap();
    }
    let o = Command::new(env!("CARGO_BIN_EXE_lso"))
        .args(&c.args)
        .current_dir(d)
        .env("LSO_PROGRESS_SECONDS", "1000")
        .output()
        .expect("lso runs");
    let err = String::from_utf8_lossy(&o.stderr);
    let first = err.lines().next().unwrap_or("");
    let mut problems = Vec::new();
    if o.status.code() != Some(c.code) {
        problems.push(format!("exit {:?}, expected {}", o.status.code(), c.code));
    }
    if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
        problems.push("panicked".into());
    }
    if !first.starts_with("error: ") {
        problems.push("first line is not an error: line".into());
    }
    for w in &c.must {
        if !first.contains(w.as_str()) {
            problems.push(format!("message lacks {w:?}"));
        }
    }
    for out in ["out", "out.png", "out.jpg"] {
        if d.join(out).exists() {
            problems.push(format!("left {out} behind"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} ({:?}): {}; stderr: {first}",
            c.name,
            c.args,
            problems.join(", ")
        ))
    }
}

#[test]
fn every_bad_input_gets_a_clean_error_naming_what_is_wrong() {
    let t = tempfile::tempdir().unwrap();
    let default = Command::new(env!("CARGO_BIN_EXE_lso"))
        .args(["run", "--print-config"])
        .output()
        .expect("lso runs");
    let default = String::from_utf8(default.stdout).unwrap();
    let mut cases = spin_cases();
    cases.extend(image_cases());
    cases.extend(ovf_cases());
    cases.extend(couplings_cases());
    cases.extend(config_cases(&default));
    cases.extend(flag_cases());
    assert!(cases.len() >= 120, "the corpus has {} cases", cases.len());
    println!("{} bad inputs", cases.len());
    let mut failures = Vec::new();
    for (k, c) in cases.iter().enumerate() {
        // Each case in its own directory, so no file of one can satisfy or spoil another.
        let d = t.path().join(format!("case{k}"));
        std::fs::create_dir(&d).unwrap();
        if let Err(e) = run(&d, c) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs mishandled:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
