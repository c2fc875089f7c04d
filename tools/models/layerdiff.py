"""Per-layer accuracy: where two models (fp32 vs its int8 QDQ form, or one model on two engines) part ways, and
which layers cost the most when quantized. The host counterpart of Horizon's vec_diff / accuracy-debug tools.

compare: every comparable intermediate tensor over a set of images, in topological order of the reference model:
  cosine (per image, mean and min), MSE, max |d|, relative error ||d|| / ||ref||. Two views:
  * accumulated: both models run end to end; the candidate's tensor carries every earlier layer's error;
  * isolated (per layer): the candidate's layer fed the REFERENCE's values of its inputs (the candidate's own
    quantization of those inputs, weights and output included), so a row says what that step alone costs.
  Matching: the same tensor name, or for an int8 QDQ model the DequantizeLinear output that carries the fp32
  tensor's value (quantize.py names it `<tensor>_dequantized`; onnxruntime's quantizer `<tensor>_DequantizeLinear_
  Output`). The first layer whose cosine falls below --threshold is reported, in both views.
  Table on stdout, --json F, --html F (an inline SVG chart of cosine per layer with the drop marked, and the table).
  Engines: numpy (onnxexec), ort (onnxruntime-node), ours (our host runtime: each image through `npulens classify
  --dump`, its tensor dump read back; the tensors it fuses away are rows with an error, and there is no isolated view).

sensitivity: quantizes the fp32 model (quantize.py, --method minmax|percentile|kl) with every layer int8 except
  one (that layer float) and with only one layer int8 (the rest float); per layer the final output's cosine and
  top-1 agreement with fp32. Ranking: the layers whose int8 form costs the most first. A suggested exclude set: the
  layers in ranking order are kept float until the final cosine reaches --target-cosine, then each one that is not
  needed is dropped again, and the set is verified by a final run. --exclude-out F writes it, one node name per line
  (quantize.py --exclude takes these names). The images serve as calibration and evaluation set both.

  /usr/bin/python3 tools/models/layerdiff.py compare --model fp32.onnx --against int8.onnx --images photos/ \\
      --size 224x224 --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375 [--json F] [--html F]
  /usr/bin/python3 tools/models/layerdiff.py compare --model m.onnx --against m.onnx --against-engine ort ...
  /usr/bin/python3 tools/models/layerdiff.py sensitivity --model fp32.onnx --images photos/ --manifest-id shapes-fp32 \\
      [--target-cosine 0.99] [--exclude-out exclude.txt]

Exit codes: 0 done (a drop is a finding, not a failure); 1 bad input or a failed run (one line `error: ...`);
2 usage.
"""
import argparse
import html
import json
import os
import stat
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import onnxexec  # noqa: E402
import onnxutil  # noqa: E402

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
DQ_SUFFIXES = ("_dequantized", "_DequantizeLinear_Output")
QDQ_OPS = ("QuantizeLinear", "DequantizeLinear")
BATCH = 16
# numpy: onnxexec; ort: onnxruntime-node; ours: the host runtime through npulens classify --dump (run_ours).
ENGINES = ("numpy", "ort", "ours")


class LayerDiffError(Exception):
    pass


# ---------------------------------------------------------------- inputs


def load_model(path, role):
    """The ONNX model at path; a one-line LayerDiffError for a missing, special (/dev/zero) or foreign file."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise LayerDiffError(f"{role} {path}: cannot read ({e.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise LayerDiffError(f"{role} {path}: not a regular file")
    try:
        return onnxutil.load(path)
    except ValueError as e:
        raise LayerDiffError(f"{role} {e}") from None


def input_spec(a):
    """The pre-processing: --manifest-id's entry or --size/--mean/--std/--bgr (the manifest's `input` form)."""
    if a.manifest_id:
        from manifest import load_manifest, model_entry

        try:
            return model_entry(load_manifest(a.manifest) if a.manifest else load_manifest(), a.manifest_id)["input"]
        except (KeyError, ValueError, OSError) as e:
            raise LayerDiffError(f"--manifest-id {a.manifest_id}: {e}") from None
    if not a.size:
        raise LayerDiffError("give --manifest-id or --size WxH [--mean --std --bgr] for the models' pre-processing")
    try:
        w, h = (int(v) for v in a.size.lower().split("x"))
        mean = [float(v) for v in a.mean.split(",")]
        std = [float(v) for v in a.std.split(",")]
    except ValueError:
        raise LayerDiffError(f"--size {a.size} / --mean {a.mean} / --std {a.std}: expected WxH and 3 numbers each")
    if w <= 0 or h <= 0 or len(mean) != 3 or len(std) != 3 or any(s == 0 for s in std):
        raise LayerDiffError(f"--size {a.size} / --mean {a.mean} / --std {a.std}: out of range")
    return {
        "width": w,
        "height": h,
        "layout": "NCHW",
        "colorOrder": "BGR" if a.bgr else "RGB",
        "mean": mean,
        "std": std,
        "centerCrop": 1.0,
    }


def image_files(items):
    """Image paths from folders (their png/jpg/bmp/webp files, sorted) and files, in the order given."""
    files = []
    for item in items:
        if os.path.isdir(item):
            found = sorted(f for f in os.listdir(item) if f.lower().endswith(IMAGE_EXTS))
            if not found:
                raise LayerDiffError(f"--images {item}: no images (png/jpg/bmp/webp) in the folder")
            files += [os.path.join(item, f) for f in found]
        elif os.path.isfile(item):
            files.append(item)
        elif os.path.exists(item):
            raise LayerDiffError(f"--images {item}: not a regular file or folder")
        else:
            raise LayerDiffError(f"--images {item}: no such file or folder")
    if not files:
        raise LayerDiffError("--images: no images given")
    return files


def load_images(items, spec):
    """(tensors (N, C, H, W) float32, file names)."""
    from preprocess import load_rgb, preprocess

    files = image_files(items)
    xs = []
    for f in files:
        try:
            xs.append(preprocess(load_rgb(f), spec))
        except Exception as e:  # PIL's UnidentifiedImageError, truncated files, ...
            raise LayerDiffError(f"--images {f}: not a readable image ({type(e).__name__})") from None
    return np.concatenate(xs), [os.path.basename(f) for f in files]


def check_input(model, x, role):
    """The model's one graph input must take the pre-processed images."""
    inits = {t.name for t in model.graph.initializer}
    ins = [i for i in model.graph.input if i.name not in inits]
    if len(ins) != 1:
        raise LayerDiffError(f"{role}: the model has {len(ins)} inputs; one image input is supported")
    dims = [d.dim_value for d in ins[0].type.tensor_type.shape.dim]
    if len(dims) != x.ndim or any(d > 0 and d != s for d, s in zip(dims[1:], x.shape[1:])):
        raise LayerDiffError(
            f"{role}: input {ins[0].name} is {dims}, the pre-processed images are {list(x.shape[1:])} "
            "(check --size / --manifest-id)"
        )
    return ins[0].name


# ---------------------------------------------------------------- engines


def run_feeds_numpy(model, feeds, names):
    """{name: array (N, ...)} of the tensors `names` for the inputs in feeds ({name: (N, ...)}), numpy executor."""
    ex = onnxexec.Executor(model)
    n = len(next(iter(feeds.values())))
    out = {k: [] for k in names}
    for i in range(0, n, BATCH):
        env = ex.run({k: v[i : i + BATCH] for k, v in feeds.items()}, keep="all")
        for k in names:
            out[k].append(np.asarray(env[k], np.float32))
    return {k: np.concatenate(v) for k, v in out.items()}


def with_outputs(model, names):
    """A copy of model whose graph outputs are `names` (float tensors of any shape)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    del m.graph.output[:]
    m.graph.output.extend([helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in names])
    return m


def run_feeds_ort(model, feeds, names):
    """The tensors `names` for the inputs in feeds ({name: (N, ...)}), onnxruntime-node one image at a time
    (tools/models/ort_run.js --all: the host code's session options)."""
    with tempfile.TemporaryDirectory(prefix="layerdiff-") as tmp:
        mpath = os.path.join(tmp, "model.onnx")
        onnx.save(with_outputs(model, names), mpath)
        job = {"model": mpath, "out": os.path.join(tmp, "out.f32"), "inputs": []}
        for k, (name, v) in enumerate(feeds.items()):
            f = os.path.join(tmp, f"in{k}.f32")
            np.ascontiguousarray(v, np.float32).tofile(f)
            job["inputs"].append({"name": name, "file": f, "dims": [1] + list(v.shape[1:])})
        with open(os.path.join(tmp, "job.json"), "w") as f:
            json.dump(job, f)
        r = subprocess.run(
            ["node", os.path.join(HERE, "ort_run.js"), "--all", f.name], capture_output=True, text=True, timeout=600
        )
        if r.returncode != 0:
            last = (r.stderr.strip().splitlines() or ["no message"])[-1]
            raise LayerDiffError(f"onnxruntime-node: {last}")
        meta = json.loads(r.stdout)
        data = np.fromfile(job["out"], np.float32)
    n_img = len(next(iter(feeds.values())))
    sizes = [int(np.prod(o["dims"])) for o in meta["outputs"]]
    per_image = data.reshape(n_img, sum(sizes))
    out, at = {}, 0
    for o, size in zip(meta["outputs"], sizes):
        out[o["name"]] = per_image[:, at : at + size].reshape([n_img] + o["dims"][1:])
        at += size
    return out


def ours_cli():
    """(node, the CLI's compiled main.js) for the ours engine: $NPULENS_CLI_DIST (a `tsc` output folder) or the
    repository's dist/, with the addon the CLI loads ($NPULENS_ADDON or build/Release/npulens.node)."""
    import shutil

    node = shutil.which("node")
    if node is None:
        raise LayerDiffError("--engine ours needs node on PATH (it runs npulens classify --dump)")
    dist = os.environ.get("NPULENS_CLI_DIST") or os.path.join(HERE, "..", "..", "dist")
    main = os.path.join(dist, "cli", "main.js")
    if not os.path.isfile(main):
        raise LayerDiffError(f"--engine ours: the CLI is not built ({main} is missing: run `npm run build:ts`)")
    addon = os.environ.get("NPULENS_ADDON") or os.path.join(HERE, "..", "..", "build", "Release", "npulens.node")
    if not os.path.isfile(addon):
        raise LayerDiffError(
            f"--engine ours: the addon is not built ({addon} is missing: run `npm run build`, or set NPULENS_ADDON)"
        )
    return node, os.path.abspath(main)


def run_ours(model, names, source):
    """The tensors `names` of the model run by our host runtime: `npulens classify --dump` on each image (the
    engine's own pre-processing of the same spec), the dump's runs read back. A name the runtime did not write
    itself is taken from what it did write: a DequantizeLinear output is its dumped int8 input (dequantized), a
    float tensor that feeds a QuantizeLinear is that int8 tensor (within its rounding). Names it fused away
    (a Conv output before its Relu) are absent: returns ({name: array}, {name: why absent})."""
    files, spec = source
    if spec.get("layout", "NCHW") != "NCHW" or float(spec.get("centerCrop", 1.0)) != 1.0:
        raise LayerDiffError("--engine ours: only NCHW inputs without centerCrop (the CLI's model-file flags)")
    node, main = ours_cli()
    outs = [o for o in model.graph.output]
    dims = [d.dim_value for d in outs[0].type.tensor_type.shape.dim] if outs else []
    if len(outs) != 1 or len(dims) != 2 or dims[1] <= 0:
        raise LayerDiffError("--engine ours: the host engine runs classifiers (one output [N, classes])")
    with tempfile.TemporaryDirectory(prefix="layerdiff-ours-") as tmp:
        mpath, labels, dump = (os.path.join(tmp, n) for n in ("model.onnx", "labels.txt", "dump"))
        onnx.save(model, mpath)
        with open(labels, "w") as f:
            f.write("".join(f"class{i}\n" for i in range(dims[1])))
        args = ["classify", "--model", mpath, "--labels", labels, "--dump", dump, "--json", "--device", "cpu"]
        args += ["--size", f"{spec['width']}x{spec['height']}"]
        args += ["--mean", ",".join(repr(float(v)) for v in spec["mean"])]
        args += ["--std", ",".join(repr(float(v)) for v in spec["std"])]
        args += ["--bgr"] if spec.get("colorOrder", "RGB") == "BGR" else []
        script = "require(process.argv[1]).runCli(process.argv.slice(2)).then((c) => { process.exitCode = c; })"
        r = subprocess.run(
            [node, "-e", script, main, *args, *[os.path.abspath(f) for f in files]],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if r.returncode != 0:
            last = (r.stderr.strip().splitlines() or ["no message"])[-1]
            raise LayerDiffError(f"--engine ours: npulens classify --dump failed: {last}")
        models = sorted(os.listdir(dump)) if os.path.isdir(dump) else []
        runs = sorted(
            (os.path.join(dump, models[0], d) for d in os.listdir(os.path.join(dump, models[0]))) if models else [],
            key=lambda d: int(os.path.basename(d)[3:]),
        )
        complete = [d for d in runs if os.path.isfile(os.path.join(d, "index.json"))]
        if len(models) != 1 or len(complete) != len(files):
            raise LayerDiffError(
                f"--engine ours: the runtime dumped {len(complete)} complete runs for {len(files)} images "
                f"(the dump's caps, or om_options refused: see npulens classify --dump)"
            )
        per_run = []
        for d in complete:
            with open(os.path.join(d, "index.json")) as f:
                index = json.load(f)["tensors"]
            per_run.append({t["tensor"]: (t, os.path.join(d, t["file"])) for t in index})
        # (name -> the dumped tensor that carries its value) from the first run's index: one plan ran every run.
        first = per_run[0]
        producer = {o: nd for nd in model.graph.node for o in nd.output}
        consumers = {}
        for nd in model.graph.node:
            for i in nd.input:
                consumers.setdefault(i, []).append(nd)
        source_of, why = {}, {}
        for n in names:
            nd = producer.get(n)
            qs = [c for c in consumers.get(n, []) if c.op_type == "QuantizeLinear" and c.output[0] in first]
            if n in first:
                source_of[n] = n
            elif nd is not None and nd.op_type == "DequantizeLinear" and nd.input[0] in first:
                source_of[n] = nd.input[0]
            elif qs:
                source_of[n] = qs[0].output[0]
            else:
                step = next((t["label"] for t, _ in first.values() if nd is not None and t["node"] == nd.name), None)
                why[n] = "not written by the runtime: " + (
                    f"fused into its step {step}" if step else "computed inside a fused step"
                )
        out = {}
        for n, src in source_of.items():
            t = first[src][0]
            out[n] = np.stack([np.fromfile(run[src][1], np.float32).reshape(t["shape"])[0] for run in per_run])
    return out, why


def run_engine(engine, model, x, names):
    """The tensors `names` for the images x fed to the model's one input, on engine 'numpy' or 'ort'."""
    inits = {t.name for t in model.graph.initializer}
    inp = next(i.name for i in model.graph.input if i.name not in inits)
    return (run_feeds_numpy if engine == "numpy" else run_feeds_ort)(model, {inp: x}, names)


def engine_values(engine, model, x, names, source):
    """({name: array}, {name: why absent}) on any engine: 'ours' runs the image files of source (files, spec)
    through the host runtime (run_ours) and may leave names out; the others run x and give every name."""
    if engine == "ours":
        return run_ours(model, names, source)
    return run_engine(engine, model, x, names), {}


# ---------------------------------------------------------------- graph walking and matching


def produced(model):
    """{tensor: node} for every node output, plus graph inputs mapped to None; in topological (node) order."""
    inits = {t.name for t in model.graph.initializer}
    out = {i.name: None for i in model.graph.input if i.name not in inits}
    for nd in model.graph.node:
        for o in nd.output:
            if o:
                out[o] = nd
    return out


def match(ref, cand):
    """Rows [(reference tensor, candidate tensor, reference node or None)] in the reference's topological order:
    every reference tensor (graph input, graph output or node output other than a Q/DQ node's) that the candidate
    carries."""
    rp, cp = produced(ref), produced(cand)
    rows = []
    graph_out = outputs(ref)
    for t, nd in rp.items():
        if nd is not None and nd.op_type in QDQ_OPS and t not in graph_out:
            continue
        # A QDQ reference has its own <t>_dequantized: then the same names pair up (one model, two engines).
        ref_is_qdq = any(t + s in rp for s in DQ_SUFFIXES)
        for c in ([] if ref_is_qdq else [t + s for s in DQ_SUFFIXES]) + [t]:
            if c in cp:
                rows.append((t, c, nd))
                break
    return rows


def outputs(model):
    return {o.name for o in model.graph.output}


def isolated_model(cand, target, ref_names, ref_tensor):
    """The candidate's subgraph that computes `target` from reference tensors: walking back from target, stop at
    every compared reference tensor (other than the row's own tensor) and at initializers. Returns (model, the
    reference tensors it takes) or None when target is fed directly (a graph input)."""
    inits = {t.name for t in cand.graph.initializer}
    cp = produced(cand)
    need_nodes, stops, todo, seen = set(), [], [target], set()
    while todo:
        t = todo.pop()
        if t in seen or not t:
            continue
        seen.add(t)
        if t in inits:
            continue
        if (t in ref_names and t != ref_tensor and t != target) or cp.get(t) is None:
            if t not in cp:
                return None  # produced by nothing the walk can reach
            stops.append(t)
            continue
        nd = cp[t]
        need_nodes.add(id(nd))
        todo.extend(nd.input)
    if target in stops or not need_nodes:
        return None
    nodes = [nd for nd in cand.graph.node if id(nd) in need_nodes]
    used = {i for nd in nodes for i in nd.input}
    graph = helper.make_graph(
        nodes,
        "isolated",
        [helper.make_tensor_value_info(s, TensorProto.FLOAT, None) for s in stops],
        [helper.make_tensor_value_info(target, TensorProto.FLOAT, None)],
        [t for t in cand.graph.initializer if t.name in used],
    )
    m = helper.make_model(graph, opset_imports=list(cand.opset_import))
    m.ir_version = cand.ir_version
    return m, stops


# ---------------------------------------------------------------- metrics


def metrics(ref, cand):
    """Per-row numbers over all images; shapes must agree."""
    r = ref.reshape(len(ref), -1).astype(np.float64)
    c = cand.reshape(len(cand), -1).astype(np.float64)
    d = c - r
    nr, nc = np.linalg.norm(r, axis=1), np.linalg.norm(c, axis=1)
    both_zero = (nr == 0) & (nc == 0)
    cos = np.where(both_zero, 1.0, (r * c).sum(1) / np.maximum(nr * nc, 1e-30))
    ref_norm = float(np.linalg.norm(r))
    return {
        "cosine": float(cos.mean()),
        "cosineMin": float(cos.min()),
        "mse": float((d**2).mean()),
        "maxAbs": float(np.abs(d).max()) if d.size else 0.0,
        "relError": float(np.linalg.norm(d) / ref_norm) if ref_norm > 0 else float(np.linalg.norm(d) > 0),
    }


# ---------------------------------------------------------------- compare


def compare(
    ref, cand, x, *, engine="numpy", against_engine="numpy", threshold=0.99, isolated=True, log=None, source=None
):
    """The per-layer report (a dict, --json's form) of candidate against reference on the images x."""
    rows = match(ref, cand)
    if not [r for r in rows if r[2] is not None]:
        raise LayerDiffError(
            "nothing comparable: the models share no intermediate tensor (neither the same names nor "
            "<name>_dequantized); are they the same network?"
        )
    ref_vals, ref_absent = engine_values(engine, ref, x, [r[0] for r in rows], source)
    cand_vals, cand_absent = engine_values(against_engine, cand, x, [r[1] for r in rows], source)
    ref_names = {r[0] for r in rows}  # float tensors only: a QDQ reference's int8 tensors are never fed
    layers = []
    for t, c, nd in rows:
        row = {
            "tensor": t,
            "candidateTensor": c,
            "node": nd.name if nd is not None else None,
            "op": nd.op_type if nd is not None else "input",
        }
        absent = ref_absent.get(t) or cand_absent.get(c)
        if absent:  # the ours engine: a tensor the runtime fused away
            row["error"] = f"{'reference' if t in ref_absent else 'candidate'} {absent}"
            layers.append(row)
            continue
        row["shape"] = list(ref_vals[t].shape[1:])
        if ref_vals[t].shape != cand_vals[c].shape:
            row["error"] = f"shapes differ: {list(ref_vals[t].shape[1:])} vs {list(cand_vals[c].shape[1:])}"
            layers.append(row)
            continue
        row["accumulated"] = metrics(ref_vals[t], cand_vals[c])
        row["isolated"] = None
        if isolated and "ours" in (engine, against_engine):
            row["isolatedError"] = "the ours engine runs whole models on images; no isolated view"
        elif isolated:
            sub = isolated_model(cand, c, ref_names, t)
            if sub is None:
                row["isolated"] = row["accumulated"] if nd is None else None
            else:
                m, stops = sub
                missing = [s for s in stops if s not in ref_vals]
                run = run_feeds_numpy if against_engine == "numpy" else run_feeds_ort
                try:
                    if missing:
                        raise LayerDiffError(f"the reference has no tensor {missing[0]} to feed")
                    got = run(m, {s: ref_vals[s] for s in stops}, [c])[c]
                    row["isolated"] = metrics(ref_vals[t], got)
                except (onnxexec.OnnxExecError, LayerDiffError, ValueError) as e:
                    row["isolatedError"] = str(e)
        layers.append(row)
        if log:
            log(row)
    return {
        "threshold": threshold,
        "images": int(len(x)),
        "engines": {"reference": engine, "candidate": against_engine},
        "layers": layers,
        "firstDrop": _first_below(layers, "accumulated", threshold),
        "firstIsolatedDrop": _first_below(layers, "isolated", threshold),
        "worstIsolated": _worst(layers, "isolated"),
        "output": next((r for r in reversed(layers) if r["tensor"] in outputs(ref) and "accumulated" in r), None),
    }


def _first_below(layers, view, threshold):
    for r in layers:
        m = r.get(view)
        if m is not None and m["cosine"] < threshold:
            return {"tensor": r["tensor"], "node": r["node"], "op": r["op"], "cosine": m["cosine"]}
    return None


def _worst(layers, view):
    have = [r for r in layers if r.get(view) is not None and r["node"] is not None]
    if not have:
        return None
    r = min(have, key=lambda r: r[view]["cosine"])
    return {"tensor": r["tensor"], "node": r["node"], "op": r["op"], "cosine": r[view]["cosine"]}


def table(report):
    head = f"{'#':>3}  {'node':<28} {'op':<18} {'cos acc':>9} {'cos min':>9} {'cos iso':>9} {'MSE':>10} "
    head += f"{'max|d|':>10} {'rel err':>9}"
    lines = [head]
    drop = report["firstDrop"]
    for k, r in enumerate(report["layers"]):
        name = r["node"] or f"(input {r['tensor']})"
        if "error" in r:
            lines.append(f"{k:>3}  {name[:28]:<28} {r['op'][:18]:<18} {r['error']}")
            continue
        a, i = r["accumulated"], r["isolated"]
        iso = f"{i['cosine']:9.5f}" if i else f"{'-':>9}"
        mark = "  <-- first drop" if drop and drop["tensor"] == r["tensor"] else ""
        lines.append(
            f"{k:>3}  {name[:28]:<28} {r['op'][:18]:<18} {a['cosine']:9.5f} {a['cosineMin']:9.5f} {iso} "
            f"{a['mse']:10.3e} {a['maxAbs']:10.4g} {a['relError']:9.4f}{mark}"
        )
    return "\n".join(lines)


def summary_lines(report):
    t = report["threshold"]
    out = []
    d, di, w = report["firstDrop"], report["firstIsolatedDrop"], report["worstIsolated"]
    out.append(
        f"first drop below cosine {t}: "
        + (f"{d['node'] or d['tensor']} ({d['op']}, tensor {d['tensor']}, cosine {d['cosine']:.5f})" if d else "none")
    )
    if "ours" in report["engines"].values():
        out.append("isolated view: none with the ours engine (it runs whole models on images)")
    else:
        out.append(
            f"first layer that alone falls below {t} (isolated): "
            + (f"{di['node']} ({di['op']}, cosine {di['cosine']:.5f})" if di else "none")
        )
    if w:
        out.append(f"worst layer alone: {w['node']} ({w['op']}, cosine {w['cosine']:.5f})")
    o = report["output"]
    if o:
        out.append(f"final output {o['tensor']}: cosine {o['accumulated']['cosine']:.5f}")
    return out


def html_report(report, title):
    """A self-contained HTML page: an SVG chart (accumulated and isolated cosine per layer, the threshold, the
    first drop marked) over the table."""
    rows = [r for r in report["layers"] if "accumulated" in r]
    n = max(len(rows), 1)
    width, height, left, top, bottom = max(760, 28 * n + 80), 320, 60, 20, 120
    plot_w, plot_h = width - left - 20, height - top - bottom
    # The range holds every value and the threshold with a quarter of a margin: small differences stay visible.
    lowest = min(
        [report["threshold"]]
        + [r["accumulated"]["cosine"] for r in rows]
        + [r["isolated"]["cosine"] for r in rows if r["isolated"]]
    )
    span = max(1.0 - lowest, 1e-4) * 1.25
    lo = max(-1.0, 1.0 - span)
    digits = max(3, int(np.ceil(-np.log10(span / 4))) + 1)

    def y(v):
        return top + plot_h * (1.0 - (v - lo) / (1.0 - lo))

    def xpos(k):
        return left + plot_w * (k + 0.5) / n

    drop = report["firstDrop"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="11">']
    for v in np.linspace(lo, 1.0, 5):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.{digits}f}</text>')
    th = report["threshold"]
    if th >= lo:
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(th):.1f}" y2="{y(th):.1f}" stroke="#c00" '
            f'stroke-dasharray="6,4"/><text x="{left + plot_w}" y="{y(th) - 4:.1f}" text-anchor="end" '
            f'fill="#c00">threshold {th}</text>'
        )
    for k, r in enumerate(rows):
        i = r["isolated"]
        if i:  # hangs from 1.0 down to the isolated cosine: the longer, the more this layer alone costs
            h = max(1.0, y(i["cosine"]) - y(1.0))
            bad = i["cosine"] < th
            parts.append(
                f'<rect x="{xpos(k) - 7:.1f}" y="{y(1.0):.1f}" width="14" height="{h:.1f}" '
                f'fill="{"#f4a6a6" if bad else "#cfe0f3"}"><title>{html.escape(r["node"] or r["tensor"])}: '
                f'isolated cosine {i["cosine"]:.5f}</title></rect>'
            )
    pts = " ".join(f"{xpos(k):.1f},{y(r['accumulated']['cosine']):.1f}" for k, r in enumerate(rows))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
    for k, r in enumerate(rows):
        c = r["accumulated"]["cosine"]
        is_drop = drop is not None and drop["tensor"] == r["tensor"]
        parts.append(
            f'<circle cx="{xpos(k):.1f}" cy="{y(c):.1f}" r="{6 if is_drop else 3}" '
            f'fill="{"#c00" if is_drop else "#1f5fa8"}"><title>{html.escape(r["node"] or r["tensor"])}: '
            f"accumulated cosine {c:.5f}</title></circle>"
        )
        label = html.escape((r["node"] or r["tensor"])[-24:])
        style = ' fill="#c00" font-weight="bold"' if is_drop else ""
        parts.append(
            f'<text transform="translate({xpos(k) + 4:.1f},{top + plot_h + 8}) rotate(60)"{style}>{label}</text>'
        )
        if is_drop:  # the label on the side with room: left of the point in the right half of the chart
            right = k >= n / 2
            parts.append(
                f'<text x="{xpos(k) + (-9 if right else 9):.1f}" y="{y(c) + 4:.1f}" fill="#c00" font-weight="bold" '
                f'text-anchor="{"end" if right else "start"}">'
                f"first drop: {html.escape(r['node'] or r['tensor'])} ({c:.4f})</text>"
            )
    legend_y = height - 12
    parts.append(
        f'<line x1="{left}" x2="{left + 24}" y1="{legend_y}" y2="{legend_y}" stroke="#1f5fa8" stroke-width="2"/>'
        f'<text x="{left + 30}" y="{legend_y + 4}">accumulated cosine (end to end)</text>'
        f'<rect x="{left + 230}" y="{legend_y - 6}" width="14" height="12" fill="#cfe0f3"/>'
        f'<rect x="{left + 246}" y="{legend_y - 6}" width="14" height="12" fill="#f4a6a6"/>'
        f'<text x="{left + 266}" y="{legend_y + 4}">isolated cosine, bar from 1.0 down (red: below threshold)</text>'
        f'<text x="14" y="{top + plot_h / 2:.1f}" transform="rotate(-90 14 {top + plot_h / 2:.1f})" '
        'text-anchor="middle">cosine</text>'
    )
    parts.append("</svg>")
    body_rows = []
    for k, r in enumerate(report["layers"]):
        if "accumulated" not in r:
            body_rows.append(
                f"<tr><td>{k}</td><td>{html.escape(str(r['node']))}</td><td colspan=7>"
                f"{html.escape(r.get('error', ''))}</td></tr>"
            )
            continue
        a, i = r["accumulated"], r["isolated"]
        cls = ' class="drop"' if drop and drop["tensor"] == r["tensor"] else ""
        body_rows.append(
            f"<tr{cls}><td>{k}</td><td>{html.escape(r['node'] or '(input) ' + r['tensor'])}</td>"
            f"<td>{html.escape(r['op'])}</td><td>{a['cosine']:.5f}</td><td>{a['cosineMin']:.5f}</td>"
            f"<td>{'%.5f' % i['cosine'] if i else '-'}</td><td>{a['mse']:.3e}</td><td>{a['maxAbs']:.4g}</td>"
            f"<td>{a['relError']:.4f}</td></tr>"
        )
    summary = "".join(f"<li>{html.escape(s)}</li>" for s in summary_lines(report))
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
        + html.escape(title)
        + "</title><style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:nth-child(2),td:nth-child(3)"
        "{text-align:left}tr.drop{background:#fdd;font-weight:bold}</style></head><body>\n<h1>"
        + html.escape(title)
        + f"</h1>\n<ul>{summary}</ul>\n<p>Line: accumulated cosine (both models end to end). Bars: isolated "
        "cosine, hanging from 1.0 (the candidate's layer fed the reference's inputs; red below the threshold).</p>\n"
        + "".join(parts)
        + "\n<table><tr><th>#</th><th>node</th><th>op</th><th>cosine</th><th>cosine min</th><th>isolated</th>"
        "<th>MSE</th><th>max |d|</th><th>rel. error</th></tr>\n" + "\n".join(body_rows) + "\n</table></body></html>\n"
    )


# ---------------------------------------------------------------- sensitivity


def layers_of(model):
    """The quantizable layers of a prepared model: [(layer name, [node names kept float together])]. A Relu/Clip
    fused to the Conv/Gemm before it belongs to that layer; shape-only nodes (Flatten, Reshape, Identity) have
    nothing to quantize and are not layers."""
    import quantize

    nodes = list(model.graph.node)
    consumers = {}
    for nd in nodes:
        for i in nd.input:
            consumers.setdefault(i, []).append(nd)
    fused = set()
    out = []
    for nd in nodes:
        if nd.name in fused or nd.op_type in ("Flatten", "Reshape", "Identity", "Transpose"):
            continue
        group = [nd.name]
        nxt = consumers.get(nd.output[0], [])
        if nd.op_type in quantize.WEIGHTED and len(nxt) == 1 and nxt[0].op_type in quantize.FUSED_ACT:
            group.append(nxt[0].name)
            fused.add(nxt[0].name)
        out.append((nd.name, group))
    return out


def final_scores(f, q):
    from quantize import cosine

    cos = cosine(f, q)
    return {
        "cosine": float(cos.mean()),
        "cosineMin": float(cos.min()),
        "top1": float(np.mean(f.argmax(1) == q.argmax(1))),
    }


def sensitivity(fp32, x, *, method="minmax", percentile=99.99, target=0.99, log=print):
    import quantize

    if any(nd.op_type in QDQ_OPS for nd in fp32.graph.node):
        raise LayerDiffError("sensitivity needs the float model: this one is already quantized (QuantizeLinear nodes)")
    prepared = quantize.prepare(fp32)
    names = [n.name for n in prepared.graph.node]
    if len(set(names)) != len(names) or not all(names):
        raise LayerDiffError("sensitivity needs unique node names (the exclude set names nodes)")
    layers = layers_of(prepared)
    all_nodes = [n for _, g in layers for n in g]
    calib = [x[i : i + 32] for i in range(0, len(x), 32)]
    ref = onnxexec.Executor(prepared).run_batched(x)
    tensors = [i.name for i in prepared.graph.input] + [o for nd in prepared.graph.node for o in nd.output if o]
    stats = quantize.Stats(onnxexec.Executor(prepared), tensors, calib)

    def score(exclude):
        m, _ = quantize.quantize(prepared, calib, method, percentile, exclude, stats)
        return final_scores(ref, onnxexec.Executor(m).run_batched(x))

    full = score([])
    log(f"sensitivity: all {len(layers)} layers int8: cosine {full['cosine']:.5f}, top-1 agreement {full['top1']:.3f}")
    rows = []
    for name, group in layers:
        only_int8 = score([n for n in all_nodes if n not in group])
        only_float = score(group)
        rows.append({"layer": name, "nodes": group, "onlyInt8": only_int8, "onlyFloat": only_float})
        log(
            f"sensitivity: {name:<28} only int8: cosine {only_int8['cosine']:.5f} top-1 {only_int8['top1']:.3f}   "
            f"only float: cosine {only_float['cosine']:.5f} top-1 {only_float['top1']:.3f}"
        )
    # Costliest first: the lowest cosine when that layer alone is int8, then the best gain when it alone is float.
    ranking = sorted(rows, key=lambda r: (r["onlyInt8"]["cosine"], -r["onlyFloat"]["cosine"]))
    chosen, reached = [], full
    for r in ranking:
        if reached["cosine"] >= target:
            break
        chosen.append(r)
        reached = score([n for c in chosen for n in c["nodes"]])
    # Drop the ones the target does not need (a later layer may have made an earlier one unnecessary).
    for r in list(chosen):
        if reached["cosine"] < target:
            break
        rest = [c for c in chosen if c is not r]
        s = score([n for c in rest for n in c["nodes"]])
        if s["cosine"] >= target:
            chosen, reached = rest, s
    exclude = [n for c in chosen for n in c["nodes"]]
    verified = score(exclude)
    return {
        "method": method,
        "images": int(len(x)),
        "targetCosine": target,
        "allInt8": full,
        "layers": rows,
        "ranking": [r["layer"] for r in ranking],
        "exclude": exclude,
        "excludeLayers": [c["layer"] for c in chosen],
        "reached": verified,
        "targetMet": verified["cosine"] >= target,
    }


# ---------------------------------------------------------------- CLI


def _common(p):
    p.add_argument("--images", nargs="+", required=True, help="image folders and/or files")
    p.add_argument("--manifest-id", help="take the pre-processing from this manifest entry")
    p.add_argument("--manifest", help="the manifest.json of --manifest-id (default: the bundled one)")
    p.add_argument("--size", help="WxH")
    p.add_argument("--mean", default="0,0,0")
    p.add_argument("--std", default="1,1,1")
    p.add_argument("--bgr", action="store_true")
    p.add_argument("--json", help="write the report as JSON here ('-': stdout, instead of the table)")


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare", help="per-layer agreement of two models")
    c.add_argument("--model", required=True, help="the reference (e.g. fp32)")
    c.add_argument("--against", required=True, help="the candidate (e.g. its int8 QDQ form)")
    c.add_argument("--engine", choices=ENGINES, default="numpy")
    c.add_argument("--against-engine", choices=ENGINES, default="numpy")
    c.add_argument("--threshold", type=float, default=0.99, help="cosine below which a layer counts as a drop")
    c.add_argument("--no-isolated", action="store_true", help="accumulated view only")
    c.add_argument("--html", help="write the HTML report (chart + table) here")
    _common(c)
    s = sub.add_parser("sensitivity", help="per-layer quantization cost and a suggested exclude set")
    s.add_argument("--model", required=True, help="the fp32 model")
    s.add_argument("--method", choices=("minmax", "percentile", "kl"), default="minmax")
    s.add_argument("--percentile", type=float, default=99.99)
    s.add_argument("--target-cosine", type=float, default=0.99)
    s.add_argument("--exclude-out", help="write the suggested exclude set here (one node name per line)")
    _common(s)
    a = ap.parse_args(argv)

    # --json -: the JSON alone on stdout (as `npulens verify --json -`), the human lines dropped.
    def say(*parts):
        if a.json != "-":
            print(*parts)

    try:
        if a.cmd == "compare" and not -1.0 <= a.threshold <= 1.0:
            raise LayerDiffError(f"--threshold {a.threshold}: must be in [-1, 1]")
        if a.cmd == "sensitivity" and not (-1.0 <= a.target_cosine <= 1.0 and 50.0 < a.percentile <= 100.0):
            raise LayerDiffError("--target-cosine must be in [-1, 1] and --percentile in (50, 100]")
        spec = input_spec(a)
        ref = load_model(a.model, "--model")
        if a.cmd == "compare":
            cand = load_model(a.against, "--against")
            x, files = load_images(a.images, spec)
            check_input(ref, x, "--model")
            check_input(cand, x, "--against")
            report = compare(
                ref,
                cand,
                x,
                engine=a.engine,
                against_engine=a.against_engine,
                threshold=a.threshold,
                isolated=not a.no_isolated,
                source=(image_files(a.images), spec),
            )
            report.update({"model": a.model, "against": a.against, "files": files})
            say(f"layerdiff: {a.against} against {a.model}, {len(x)} images")
            say(table(report))
            for line in summary_lines(report):
                say(line)
            if a.html:
                title = f"Per-layer accuracy: {os.path.basename(a.against)} vs {os.path.basename(a.model)}"
                _write(a.html, html_report(report, title))
                say(f"layerdiff: wrote {a.html}")
        else:
            x, files = load_images(a.images, spec)
            check_input(ref, x, "--model")
            report = sensitivity(ref, x, method=a.method, percentile=a.percentile, target=a.target_cosine, log=say)
            report.update({"model": a.model, "files": files})
            say("ranking (costliest first): " + ", ".join(report["ranking"]))
            r = report["reached"]
            say(
                f"suggested exclude ({len(report['excludeLayers'])} layers float): "
                + (", ".join(report["excludeLayers"]) or "none")
                + f" -> cosine {r['cosine']:.5f}, top-1 agreement {r['top1']:.3f}"
                + ("" if report["targetMet"] else f" (target {a.target_cosine} NOT reached)")
            )
            if a.exclude_out:
                _write(
                    a.exclude_out,
                    f"# layerdiff sensitivity: {os.path.basename(a.model)}, target cosine {a.target_cosine}, "
                    f"reached {r['cosine']:.5f}\n" + "".join(n + "\n" for n in report["exclude"]),
                )
                say(f"layerdiff: wrote {a.exclude_out}")
        if a.json == "-":
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        elif a.json:
            _write(a.json, json.dumps(report, indent=2) + "\n")
    except LayerDiffError as e:
        print(f"error: {e} (layerdiff)", file=sys.stderr)
        return 1
    except (onnxexec.OnnxExecError, ValueError, OSError) as e:
        print(f"error: {e} (layerdiff {a.cmd})", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 (quantize.QuantizeError and the like: one line, never a traceback)
        print(f"error: {type(e).__name__}: {e} (layerdiff {a.cmd})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
