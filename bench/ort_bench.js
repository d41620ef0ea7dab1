// Times an ONNX model in ONNX Runtime (CPU, onnxruntime-node) in process:
// one session, warm-up runs, then N timed `await session.run(feeds)` calls
// (process.hrtime.bigint around each). Prints one JSON line on stdout:
//   {"median_us":..., "min_us":..., "max_us":..., "runs":N, "threads":T,
//    "ort_version":"...", "outputs":{"NAME":[d0,...]}}
// and writes each output as OUTPUT_DIR/NAME.npy (float32) so that the
// harness can compare it with Kiln's.
//
//   node ort_bench.js MODEL.onnx --input NAME=FILE.npy ... --threads T
//        [--warmup W] [--warmup-ms MS] [--runs N] [--output-dir DIR]
// (warm-up: at least W runs and MS milliseconds; defaults 10 and 250).
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function fail(message) {
  process.stderr.write(`ort_bench: error: ${message}\n`);
  process.exit(1);
}

// .npy (format 1.0-3.0, little-endian f4/f8/i8/i4, C order) -> ort.Tensor.
const NPY_TYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array],
  '<i4': ['int32', Int32Array],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY')
    fail(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12);
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) fail(`${file}: unparsable header`);
  if (fortran[1] === 'True') fail(`${file}: fortran_order is not supported`);
  const type = NPY_TYPES[descr[1]];
  if (!type) fail(`${file}: unsupported dtype ${descr[1]}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s)
      .map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const bytes = count * type[1].BYTES_PER_ELEMENT;
  if (buf.length < dataStart + bytes) fail(`${file}: truncated data`);
  // Copy into a fresh (aligned) buffer.
  const data = new type[1](
      buf.buffer.slice(buf.byteOffset + dataStart,
                       buf.byteOffset + dataStart + bytes));
  return new ort.Tensor(type[0], data, dims);
}

function writeNpy(file, tensor) {
  const descr = {float32: '<f4', float64: '<f8', int64: '<i8',
                 int32: '<i4'}[tensor.type];
  if (!descr) fail(`output type ${tensor.type} is not supported`);
  const dims = tensor.dims;
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, ` +
      `'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset,
                           tensor.data.byteLength);
  fs.writeFileSync(file,
                   Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]));
}

function parseArgs(argv) {
  const args = {inputs: [], threads: 1, warmup: 10, warmupMs: 250, runs: 10,
                outputDir: null};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    const count = (name, min) => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < min) fail(`${name} must be an integer >= ${min}`);
      return v;
    };
    if (a === '--input') args.inputs.push(value());
    else if (a === '--threads') args.threads = count('--threads', 0);
    else if (a === '--warmup') args.warmup = count('--warmup', 0);
    else if (a === '--warmup-ms') args.warmupMs = count('--warmup-ms', 0);
    else if (a === '--runs') args.runs = count('--runs', 1);
    else if (a === '--output-dir') args.outputDir = value();
    else if (a.startsWith('--')) fail(`unknown option ${a}`);
    else if (args.model) fail(`unexpected argument ${a}`);
    else args.model = a;
  }
  if (!args.model) fail('no model given');
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const feeds = {};
  for (const spec of args.inputs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) fail(`--input ${spec}: expected NAME=FILE.npy`);
    feeds[spec.slice(0, eq)] = readNpy(spec.slice(eq + 1));
  }
  const session = await ort.InferenceSession.create(args.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  // Warm up to the steady state: at least --warmup runs and --warmup-ms
  // milliseconds (ORT's first runs after session creation are several times
  // slower while its allocations settle), at most 1000 runs.
  let results;
  const warmStart = process.hrtime.bigint();
  for (let i = 0; i < 1000; ++i) {
    const elapsedMs = Number(process.hrtime.bigint() - warmStart) / 1e6;
    if (i >= args.warmup && elapsedMs >= args.warmupMs) break;
    results = await session.run(feeds);
  }
  const times = [];
  for (let i = 0; i < args.runs; ++i) {
    const start = process.hrtime.bigint();
    results = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  const ordered = times.slice();
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  const outputs = {};
  for (const name of session.outputNames) {
    outputs[name] = results[name].dims;
    if (args.outputDir) {
      fs.mkdirSync(args.outputDir, {recursive: true});
      writeNpy(path.join(args.outputDir, `${name}.npy`), results[name]);
    }
  }
  const version = require('onnxruntime-node/package.json').version;
  process.stdout.write(JSON.stringify({
    median_us: median, min_us: times[0], max_us: times[n - 1], runs: n,
    times_us: ordered, threads: args.threads, ort_version: version, outputs,
  }) + '\n');
  await session.release();
}

main().catch((e) => fail(e && e.message ? e.message : String(e)));
