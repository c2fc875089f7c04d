"""ONNX graph helpers shared by the model tools: the NpuLens form (opset 13, IR 7, fixed shapes, no Constant
nodes), op-set checks, and file hashing."""
import hashlib
import warnings

import onnx
from onnx import helper, numpy_helper

from onnxexec import SUPPORTED_OPS

OPSET = 13
IR_VERSION = 7


def copy_node(node):
    c = onnx.NodeProto()
    c.CopyFrom(node)
    return c


def normalize(model, doc=None):
    """Constant nodes become initializers, Identity nodes are bypassed, unused initializers are dropped and the
    model is stamped opset 13 / IR 7. Raises ValueError if a shape is not fixed."""
    g = model.graph
    inits = {t.name for t in g.initializer}
    keep = []
    rename = {}
    for nd in g.node:
        if nd.op_type == "Constant":
            val = helper.get_attribute_value(nd.attribute[0])
            if not isinstance(val, onnx.TensorProto):
                raise ValueError(f"Constant {nd.output[0]}: only tensor values are supported")
            t = numpy_helper.from_array(numpy_helper.to_array(val), nd.output[0])
            g.initializer.append(t)
            inits.add(t.name)
        elif nd.op_type == "Identity" and nd.output[0] not in {o.name for o in g.output}:
            rename[nd.output[0]] = rename.get(nd.input[0], nd.input[0])
        else:
            keep.append(nd)
    for nd in keep:
        for i, name in enumerate(nd.input):
            if name in rename:
                nd.input[i] = rename[name]
        nd.doc_string = ""
    keep = [copy_node(nd) for nd in keep]  # detach from the repeated field before clearing it
    del g.node[:]
    g.node.extend(keep)
    used = {i for nd in g.node for i in nd.input} | {o.name for o in g.output}
    live = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(live)
    real_inputs = [i for i in g.input if i.name not in inits]
    del g.input[:]
    g.input.extend(real_inputs)
    del g.value_info[:]
    for vi in list(g.input) + list(g.output):
        dims = vi.type.tensor_type.shape.dim
        if not dims or any(not d.HasField("dim_value") or d.dim_value <= 0 for d in dims):
            got = [d.dim_param or d.dim_value for d in dims]
            raise ValueError(f"{vi.name}: shape must be fixed (batch 1), got {got}")
    model.ir_version = IR_VERSION
    del model.opset_import[:]
    model.opset_import.extend([helper.make_opsetid("", OPSET)])
    model.producer_name = "npulens-tools"
    model.producer_version = "1"
    if doc:
        model.doc_string = doc
    onnx.checker.check_model(model)
    return model


def load(path):
    """onnx.load with a one-line error for missing, truncated or foreign files."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        with warnings.catch_warnings():  # protobuf warns on some garbage before failing; the error says it all
            warnings.simplefilter("ignore")
            m = onnx.load_model_from_string(data)
    except OSError as e:
        raise ValueError(f"{path}: cannot read ({e.strerror})") from None
    except Exception as e:  # protobuf DecodeError and friends
        raise ValueError(f"{path}: not an ONNX model ({type(e).__name__})") from None
    if not m.graph.node:
        raise ValueError(f"{path}: not an ONNX model (no graph nodes)")
    return m


def unsupported_ops(model):
    return sorted({nd.op_type for nd in model.graph.node if nd.op_type not in SUPPORTED_OPS})


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
