//! The command line (clap derive). Subcommands map one-to-one onto `commands::*`.

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use lso_physics::{Boundary, SamplerKind};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "lso",
    version,
    about = "Latent-space optimisation of physical systems",
    long_about = "Generate configurations of spin models, inspect and render them, and run the latent-space \
optimisation pipeline.\n\nExamples:\n  lso run                                   # the embedded default job\n  \
lso generate ising --size 20 --samples 2000 --out data\n  lso info data/spins.npy\n  \
lso render data/spins.npy --index 0,1,2,3 --energy --out grid.png"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The command line with negative numbers accepted as values everywhere (`--j -1`, and
/// `--size -3` refused as an invalid size rather than taken for an unknown flag).
pub fn command() -> clap::Command {
    fn allow(c: clap::Command) -> clap::Command {
        c.allow_negative_numbers(true).mut_subcommands(allow)
    }
    allow(Cli::command())
}

/// Parses the process arguments with [`command`].
pub fn parse() -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let matches = command().try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate a dataset of configurations
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// Summarise a .npy file of spin configurations
    #[command(after_help = "Example:\n  lso info data/spins.npy --j 1 --boundary periodic")]
    Info(InfoArgs),
    /// Draw configurations from a .npy file as a PNG grid
    #[command(after_help = "Example:\n  lso render data/spins.npy --index 0,5,10 --energy --out grid.png")]
    Render(RenderArgs),
    /// Run the whole pipeline from a TOML config (or the embedded default)
    #[command(
        after_help = "The config's data section names the problem: [data] (Ising), [chiral] or [shapes]. \
[optimise] methods lists any of adam, cmaes, random, genetic, stochastic, bo, multistart, replica; each runs on every objective.\n\n\
Examples:\n  lso run                       # embedded default (seed-000 Ising experiment)\n  \
lso run my.toml --seed 3      # a config file, another seed\n  \
lso run examples/chiral.toml  # seed 001: chiral magnets\n  lso run --print-config > my.toml"
    )]
    Run(RunArgs),
    /// Train a VAE or a surrogate on their own
    #[command(subcommand)]
    Train(TrainCommand),
    /// Search a trained Ising model's latent space (any of adam, cmaes, random, genetic, stochastic, bo, multistart, replica) with the controls
    #[command(
        alias = "optimize",
        after_help = "Example:\n  lso optimise --data runs/x/data --vae runs/x/vae --surrogate runs/x/surrogate --out opt"
    )]
    Optimise(OptimiseArgs),
    /// Export vector spin configurations to other formats (OVF 2.0)
    #[command(
        after_help = "Examples:\n  lso export chiral/spins.npy --ovf --index 0,1 --out ovf\n  lso export chiral/spins.npy --ovf --binary 8 --out ovf8\n  lso export relaxed.ovf --npy --out relaxed"
    )]
    Export(ExportArgs),
    /// Relax vector spins to the nearest energy minimum at zero temperature (L-BFGS or velocity projection)
    #[command(
        after_help = "Examples:\n  lso relax chiral/spins.npy --out relaxed\n  lso relax skyrmion.ovf --b 0.1 --out relaxed   # OVF in, OVF out\n\nThe model flags and defaults are those of `lso generate chiral`."
    )]
    Relax(RelaxArgs),
    /// Learn couplings J and fields h from samples or images (inverse Ising)
    #[command(after_help = "Examples:\n  \
lso inverse data/spins.npy --method pseudolikelihood --params uniform --out fit\n  \
lso inverse data/spins.npy --method boltzmann --params full --steps 2000 --out fit-full\n  \
lso inverse examples/ising-T2.6.png --size 32 --tiles 4 --boundary open --out fit-image")]
    Inverse(InverseArgs),
    /// Measure throughput: sampler sweeps, inverse fits, networks, chiral-magnet samplers
    #[command(
        after_help = "Examples:\n  lso bench sweeps --size 1024\n  lso bench inverse\n  lso bench chiral          \
# Heisenberg sweeps per instruction set (at least 200), conv-VAE epoch"
    )]
    Bench(BenchArgs),
    /// Exact ground state of a planar spin glass (open boundaries), or the best of parallel-tempering runs on a torus
    #[command(after_help = "Examples:\n  \
lso groundstate --couplings glass/couplings.npy --boundary open --out gs\n  \
lso groundstate --size 40 --bonds gaussian --seed 3 --out gs40\n  \
lso groundstate --size 16 --bonds pm --boundary periodic --runs 8 --sweeps 20000 --out torus\n\n\
Energies follow lso's convention E = -sum_bonds J_ij s_i s_j. Writes groundstate.json (energy, energy_per_spin, \
exact, method, seconds), spins.npy (int8 (Ly, Lx)) and the instance's couplings.npy.")]
    Groundstate(GroundstateArgs),
    /// Benchmark methods × instances × seeds at equal budgets of true energy evaluations, against exact ground states
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  lso compare --out cmp                      # the embedded default config\n  \
lso compare my-compare.toml --out cmp --shard 0/3   # one deterministic slice of the cells\n  \
lso compare merge cmp-0 cmp-1 cmp-2 --out cmp      # join shards into one report\n  \
lso compare --print-config > my-compare.toml\n\n\
Methods: random, greedy, anneal, tempering on the spins; on the sizes in [latent], each latent explorer \
with the surrogate (adam/surrogate) and the decoded true energy (cmaes/energy), decoded prior draws and the \
training data, each also as +data with its training data's cost in the budget. \
A killed compare resumes where it stopped: finished cells are kept in OUT/cells/. \
Outputs: compare.json, table.txt, report.html with residual-energy and ground-state-probability curves."
    )]
    Compare(CompareArgs),
}

#[derive(Subcommand, Debug)]
pub enum CompareSub {
    /// Join the cells of shard directories into one report
    Merge(CompareMergeArgs),
}

#[derive(Args, Debug)]
pub struct CompareMergeArgs {
    /// Shard directories made with one config
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where the merged report goes (may be one of the shards)
    #[arg(long, short = 'o')]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(subcommand)]
    pub sub: Option<CompareSub>,
    /// A compare config (TOML); default: the embedded one
    pub config: Option<PathBuf>,
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Run only shard i of n (0-based), e.g. 2/8
    #[arg(long)]
    pub shard: Option<String>,
    /// Override the config's seed
    #[arg(long)]
    pub seed: Option<u64>,
    /// Start over in an existing directory made with another config
    #[arg(long)]
    pub force: bool,
    /// Print the embedded default config and exit
    #[arg(long)]
    pub print_config: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum BondsArg {
    /// ±1 with equal probability
    Pm,
    /// N(0, 1)
    Gaussian,
    /// Uniform on [−1, 1)
    Uniform,
}

#[derive(Args, Debug)]
pub struct GroundstateArgs {
    /// Instance file: float64 .npy (Ly, Lx, 2); [y, x, 0] couples (y, x)–(y, x+1), [y, x, 1] couples (y, x)–(y+1, x)
    #[arg(long, conflicts_with_all = ["size", "bonds"])]
    pub couplings: Option<PathBuf>,
    /// Side of a generated square instance
    #[arg(long, short = 'L')]
    pub size: Option<usize>,
    /// Bond distribution of a generated instance
    #[arg(long, value_enum)]
    pub bonds: Option<BondsArg>,
    /// open (planar: exact) or periodic (torus: best of tempering runs, not exact)
    #[arg(long, value_parser = parse_boundary, default_value = "open")]
    pub boundary: Boundary,
    /// Seed of a generated instance and of the tempering runs
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Tori: independent parallel-tempering runs
    #[arg(long, default_value_t = 8)]
    pub runs: usize,
    /// Tori: sweeps per run
    #[arg(long, default_value_t = 20_000)]
    pub sweeps: u64,
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum GenerateCommand {
    /// Ising configurations: biased random, Monte Carlo equilibrium, or annealed
    #[command(after_help = "Examples:\n  \
lso generate ising --source biased --p 0.35,0.65 --size 20 --samples 2000 --out data\n  \
lso generate ising --source mc --temperature 1.5,2.27,3.0 --sampler wolff --size 32 --samples 3000 --out mc\n  \
lso generate ising --source anneal --t-start 4 --t-end 0.5 --size 32 --samples 100 --out annealed")]
    Ising(IsingArgs),
    /// Chiral magnets (seed 001): annealed Heisenberg spins with DMI
    #[command(after_help = "Example:\n  lso generate chiral --size 64 --samples 100 --d 0.3 --out chiral")]
    Chiral(ChiralArgs),
    /// 2D shapes as ordered points (seed 003): circles, ellipses, polygons, stars
    #[command(
        after_help = "Example:\n  lso generate shapes --classes circle,triangle,square,star --samples 2000 --out shapes"
    )]
    Shapes(ShapesArgs),
}

/// The Heisenberg–DMI model's parameters, shared by `generate chiral` and `relax`.
#[derive(Args, Debug)]
pub struct HeisenbergArgs {
    #[arg(long, value_parser = parse_boundary, default_value = "periodic")]
    pub boundary: Boundary,
    /// Exchange J
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub j: f64,
    /// DMI strength D, with Spirit's sign: neel D_ij = D r̂_ij × ẑ, bloch D_ij = D r̂_ij
    #[arg(long, default_value_t = 0.3, allow_negative_numbers = true)]
    pub d: f64,
    /// DMI type: neel (interfacial) or bloch (bulk)
    #[arg(long, value_parser = ["neel", "bloch"], default_value = "neel")]
    pub dmi: String,
    /// Easy-axis anisotropy K
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub k: f64,
    /// Field B along z
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub b: f64,
}

impl HeisenbergArgs {
    pub fn dmi(&self) -> lso_physics::heisenberg::Dmi {
        if self.dmi == "bloch" {
            lso_physics::heisenberg::Dmi::Bloch
        } else {
            lso_physics::heisenberg::Dmi::Neel
        }
    }
}

#[derive(Args, Debug)]
pub struct RelaxArgs {
    /// Vector spins: a .npy of shape (M, Ly, Lx, 3) or (Ly, Lx, 3), or an OVF file
    pub input: PathBuf,
    #[command(flatten)]
    pub model: HeisenbergArgs,
    /// Stop once every torque |S_i × F_i| is below this (units of J; about 1e-8 is the f64 floor)
    #[arg(long, default_value_t = 1e-7)]
    pub tolerance: f64,
    /// Most steps per configuration
    #[arg(long, default_value_t = 100_000)]
    pub max_steps: usize,
    /// Minimiser: L-BFGS on spin rotations (Spirit's LBFGS_OSO), or the velocity projection
    #[arg(long, value_enum, default_value_t = RelaxMethodArg::Lbfgs)]
    pub method: RelaxMethodArg,
    /// Output directory: the relaxed spins in the input's format, energy.npy and relax.json
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ChiralArgs {
    /// Side of a square lattice
    #[arg(long, short = 'L', default_value_t = 64)]
    pub size: usize,
    #[command(flatten)]
    pub model: HeisenbergArgs,
    #[arg(long, short = 'n', default_value_t = 100)]
    pub samples: usize,
    /// heat-bath or metropolis (adaptive cone)
    #[arg(long, value_parser = ["heat-bath", "metropolis"], default_value = "heat-bath")]
    pub sampler: String,
    #[arg(long, default_value_t = 1.5)]
    pub t_start: f64,
    #[arg(long, default_value_t = 0.02)]
    pub t_end: f64,
    #[arg(long, default_value_t = 100)]
    pub anneal_steps: usize,
    #[arg(long, default_value_t = 10)]
    pub sweeps_per_step: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Vector spins: a .npy of shape (M, Ly, Lx, 3), or an OVF 1.0/2.0 file (every segment one
    /// configuration, as OOMMF, MuMax3 and Spirit write them)
    pub file: PathBuf,
    /// Write one OVF 2.0 file per configuration (read by OOMMF, MuMax3, Spirit and their viewers)
    #[arg(long, conflicts_with = "npy")]
    pub ovf: bool,
    /// OVF data encoding: text, 4 (float32 binary) or 8 (float64 binary)
    #[arg(long, default_value = "text", value_parser = ["text", "4", "8"], requires = "ovf")]
    pub binary: String,
    /// Write the configurations as spins.npy, float64 (M, Ly, Lx, 3): OVF into lso and numpy
    #[arg(long)]
    pub npy: bool,
    /// Configurations to export (default: all)
    #[arg(long, short = 'i', value_delimiter = ',')]
    pub index: Vec<usize>,
    /// Output directory
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ShapesArgs {
    /// Number of shapes (classes alternate)
    #[arg(long, short = 'n', default_value_t = 2000)]
    pub samples: usize,
    /// Points per shape, equally spaced by arc length
    #[arg(long, default_value_t = 100)]
    pub points: usize,
    /// Classes: circle, ellipse, triangle, square, pentagon, hexagon, star
    #[arg(long, value_delimiter = ',', default_value = "circle,triangle,square,star")]
    pub classes: Vec<lso_physics::shapes::ShapeClass>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Replace an existing output directory
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum RelaxMethodArg {
    /// L-BFGS in orthogonal spin optimisation (Ivanov, Uzdin and Jónsson 2021)
    Lbfgs,
    /// Velocity projection (Bessarab et al. 2015)
    Vp,
}

impl RelaxMethodArg {
    pub fn method(self) -> lso_physics::heisenberg::relax::Method {
        use lso_physics::heisenberg::relax::Method;
        match self {
            Self::Lbfgs => Method::Lbfgs,
            Self::Vp => Method::VelocityProjection,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum SourceArg {
    /// Each spin −1 with probability p, independently (seed 000)
    Biased,
    /// Equilibrium Monte Carlo samples at given temperatures
    Mc,
    /// Final states of simulated-annealing runs
    Anneal,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DisorderArg {
    /// Uniform coupling J on every bond
    None,
    /// ±J spin glass (bond signs random)
    Pm,
    /// Gaussian spin glass, bonds N(J, 1)
    Gaussian,
    /// Uniform spin glass, bonds on [−1, 1)
    Uniform,
}

#[derive(Args, Debug)]
pub struct LatticeArgs {
    /// Side of a square lattice (sets both --lx and --ly)
    #[arg(long, short = 'L', value_name = "L")]
    pub size: Option<usize>,
    /// Width in sites
    #[arg(long, conflicts_with = "size")]
    pub lx: Option<usize>,
    /// Height in sites
    #[arg(long, conflicts_with = "size")]
    pub ly: Option<usize>,
    /// Boundary conditions
    #[arg(long, value_parser = parse_boundary, default_value = "periodic")]
    pub boundary: Boundary,
    /// Coupling J (J > 0 ferromagnetic)
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub j: f64,
    /// Uniform field h (h > 0 favours +1)
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub h: f64,
}

#[derive(Args, Debug)]
pub struct IsingArgs {
    #[command(flatten)]
    pub lattice: LatticeArgs,
    /// Bond disorder (spin glasses draw their bonds from --seed)
    #[arg(long, value_enum, default_value = "none")]
    pub disorder: DisorderArg,
    /// A spin-glass instance: float64 .npy (Ly, Lx, 2), [y, x, 0] to (y, x+1), [y, x, 1] to (y+1, x); sets the lattice size
    #[arg(long, conflicts_with = "disorder")]
    pub couplings: Option<PathBuf>,
    /// Where configurations come from
    #[arg(long, value_enum, default_value = "biased")]
    pub source: SourceArg,
    /// Number of configurations
    #[arg(long, short = 'n', default_value_t = 2000)]
    pub samples: usize,
    /// Probabilities of a spin being −1 (biased source); samples split evenly among them
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.35,0.65",
        allow_negative_numbers = true
    )]
    pub p: Vec<f64>,
    /// Temperatures (mc source); samples split evenly among them
    #[arg(long, value_delimiter = ',', default_value = "2.27", allow_negative_numbers = true)]
    pub temperature: Vec<f64>,
    /// Monte Carlo sampler (mc and anneal sources)
    #[arg(long, value_parser = parse_sampler, default_value = "metropolis")]
    pub sampler: SamplerKind,
    /// Sweeps discarded before the first sample of each chain (mc)
    #[arg(long, default_value_t = 1000)]
    pub burn_in: usize,
    /// Sweeps between samples of a chain (mc)
    #[arg(long, default_value_t = 10)]
    pub thin: usize,
    /// Independent chains per temperature (mc)
    #[arg(long, default_value_t = 4)]
    pub chains: usize,
    /// Annealing start temperature
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    pub t_start: f64,
    /// Annealing final temperature
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub t_end: f64,
    /// Annealing temperature steps
    #[arg(long, default_value_t = 100)]
    pub anneal_steps: usize,
    /// Sweeps at each annealing step
    #[arg(long, default_value_t = 10)]
    pub sweeps_per_step: usize,
    /// Annealing schedule shape
    #[arg(long, value_parser = ["geometric", "linear"], default_value = "geometric")]
    pub schedule: String,
    /// Quantity the schedule interpolates
    #[arg(long, value_parser = ["temperature", "beta"], default_value = "temperature")]
    pub schedule_in: String,
    /// Master seed: every random choice derives from it
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Replace an existing output directory
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// A .npy file of spin configurations, shape (M, Ly, Lx) or (Ly, Lx)
    pub file: PathBuf,
    /// Boundary conditions for the energies
    #[arg(long, value_parser = parse_boundary, default_value = "periodic")]
    pub boundary: Boundary,
    /// Coupling J for the energies
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub j: f64,
    /// Field h for the energies
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub h: f64,
    /// Histogram bins
    #[arg(long, default_value_t = 10)]
    pub bins: usize,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// A .npy file of spin configurations, or an OVF file of vector spins
    pub file: PathBuf,
    /// Indices of configurations to draw (default: the first 16)
    #[arg(long, short = 'i', value_delimiter = ',')]
    pub index: Vec<usize>,
    /// Output PNG
    #[arg(long, short = 'o', default_value = "render.png")]
    pub out: PathBuf,
    /// Write each configuration's energy (J, h, boundary below) in its caption
    #[arg(long)]
    pub energy: bool,
    /// Panels per row
    #[arg(long)]
    pub cols: Option<usize>,
    /// Pixels per spin (default: about 160 px per panel; 1 with --plain)
    #[arg(long)]
    pub scale: Option<u32>,
    /// One configuration as a bare greyscale image (no frame or caption), e.g. as input to inverse
    #[arg(long)]
    pub plain: bool,
    #[arg(long, value_parser = parse_boundary, default_value = "periodic")]
    pub boundary: Boundary,
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub j: f64,
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub h: f64,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// TOML config; without it the embedded default runs
    pub config: Option<PathBuf>,
    /// Run directory (default: runs/<name>)
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Overrides the config's seed
    #[arg(long)]
    pub seed: Option<u64>,
    /// Recompute every stage, replacing earlier results
    #[arg(long)]
    pub force: bool,
    /// Print the resolved config as TOML and exit
    #[arg(long)]
    pub print_config: bool,
}

#[derive(Subcommand, Debug)]
pub enum TrainCommand {
    /// Train the VAE on a dataset (settings from the [vae] section of --config)
    #[command(after_help = "Examples:\n  lso train vae --data runs/x/data --out vae\n  \
lso train vae --data runs/x/data --resume vae --epochs 20 --out vae2")]
    Vae(TrainVaeArgs),
    /// Train the surrogate ensemble on a VAE's latent codes (settings from [surrogate])
    #[command(after_help = "Example:\n  lso train surrogate --data runs/x/data --vae vae --out surrogate")]
    Surrogate(TrainSurrogateArgs),
}

#[derive(Args, Debug)]
pub struct StageArgs {
    /// TOML run config whose sections supply the settings (default: the embedded default)
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Replace an existing output directory
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct TrainVaeArgs {
    /// Dataset directory (with spins.npy) or a .npy file of spins
    #[arg(long)]
    pub data: PathBuf,
    /// Continue training from the VAE in this directory
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// Overrides vae.train.epochs
    #[arg(long)]
    pub epochs: Option<usize>,
    #[command(flatten)]
    pub stage: StageArgs,
}

#[derive(Args, Debug)]
pub struct TrainSurrogateArgs {
    /// Dataset directory (spins.npy and energy.npy)
    #[arg(long)]
    pub data: PathBuf,
    /// Directory of the trained VAE
    #[arg(long)]
    pub vae: PathBuf,
    #[command(flatten)]
    pub stage: StageArgs,
}

#[derive(Args, Debug)]
pub struct OptimiseArgs {
    /// Dataset directory (spins.npy; its meta.json model is used for the energies)
    #[arg(long)]
    pub data: PathBuf,
    #[arg(long)]
    pub vae: PathBuf,
    #[arg(long)]
    pub surrogate: PathBuf,
    #[command(flatten)]
    pub stage: StageArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum MethodArg {
    /// Maximum-entropy learning with Monte Carlo moments (seed 002)
    Boltzmann,
    /// Pseudo-likelihood maximisation (accurate, no sampling)
    Pseudolikelihood,
    /// Naive mean-field inversion J = −C⁻¹ (fast, biased at strong coupling)
    Meanfield,
}

#[derive(Args, Debug)]
pub struct InverseArgs {
    /// .npy sample sets and/or images (PNG, JPEG)
    #[arg(required = true)]
    pub data: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "pseudolikelihood")]
    pub method: MethodArg,
    /// Free parameters: uniform (one J, one h), bonds (J per bond, h per site), full (J per pair)
    #[arg(long, default_value = "uniform")]
    pub params: lso_physics::inverse::Parametrisation,
    /// Boundary conditions of the lattice the couplings live on
    #[arg(long, value_parser = parse_boundary, default_value = "periodic")]
    pub boundary: Boundary,
    /// Images: side N of the spin grid each image (or tile) becomes
    #[arg(long, default_value_t = 32)]
    pub size: usize,
    /// Images: cut each image into tiles × tiles grids of size × size
    #[arg(long, default_value_t = 1)]
    pub tiles: usize,
    /// Images: grey level splitting −1 from +1: otsu or a number in [0, 1]
    #[arg(long, default_value = "otsu")]
    pub threshold: crate::imageio::Threshold,
    /// Boltzmann: learning steps
    #[arg(long, default_value_t = 1000)]
    pub steps: usize,
    /// Boltzmann: initial step size α₀
    #[arg(long, default_value_t = 0.2)]
    pub learning_rate: f64,
    /// Boltzmann: α_t = α₀ / (1 + t / decay); 0 keeps α constant
    #[arg(long, default_value_t = 200.0)]
    pub decay: f64,
    /// Boltzmann: persistent Monte Carlo chains
    #[arg(long, default_value_t = 64)]
    pub chains: usize,
    /// Boltzmann: heat-bath sweeps per chain per step
    #[arg(long, default_value_t = 2)]
    pub sweeps: usize,
    /// Boltzmann: averaged update (all data each step) or the notes' single-sample update (4)
    #[arg(long, value_parser = ["averaged", "single-sample"], default_value = "averaged")]
    pub update: String,
    /// Pseudo-likelihood: L2 penalty on couplings (default 0, or 0.01 for --params full)
    #[arg(long)]
    pub l2: Option<f64>,
    /// Also draw this many samples from the fitted model into samples.npy
    #[arg(long, default_value_t = 0)]
    pub draw: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Replace an existing output directory
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum BenchWhat {
    /// Checkerboard sweeps of the Ising samplers
    Sweeps,
    /// Fits of 6×6 and 16×16 tori by each inverse method
    Inverse,
    /// VAE epoch, surrogate training, latent Adam and the whole default job
    Nn,
    /// Heisenberg–DMI samplers on 128×128 (and 32², 64²) and a conv-VAE epoch
    Chiral,
    /// Spin-glass sweeps (±J and Gaussian bonds, 64×64) and exact ground-state solve times (40², 100²)
    Glass,
    /// Everything
    All,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// What to measure
    #[arg(value_enum, default_value = "sweeps")]
    pub what: BenchWhat,
    /// Lattice side
    #[arg(long, default_value_t = 1024)]
    pub size: usize,
    /// Sweeps per measurement (enough that two threads' start-up costs little)
    #[arg(long, default_value_t = 200)]
    pub sweeps: usize,
    /// Repeats per measurement (the best is reported)
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
}

pub fn parse_boundary(s: &str) -> Result<Boundary, String> {
    match s {
        "periodic" => Ok(Boundary::Periodic),
        "open" => Ok(Boundary::Open),
        _ => Err(format!("expected periodic or open, got {s:?}")),
    }
}

fn parse_sampler(s: &str) -> Result<SamplerKind, String> {
    s.parse()
}

impl ChiralArgs {
    pub fn lattice_boundary(&self) -> Boundary {
        self.model.boundary
    }
}
