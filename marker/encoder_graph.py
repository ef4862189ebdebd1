"""all-MiniLM-L6-v2 as an ONNX graph, written here from the verified weights, run on onnxruntime.

:mod:`marker.encoder` reads and checks the model files, then hands their weights to
:func:`build_model`, which writes the same network as its numpy forward pass with standard ONNX
operators (opset 17: Gather, MatMul, Add, LayerNormalization, Softmax, Erf...) using
``onnx.helper``; :func:`open_session` opens it in onnxruntime, whose graph optimisations fuse
what they can (the erf GELU into one kernel, a product and its bias, the key's transposition
into its product). Nothing is downloaded. The encoder keeps the serialised graph in its cache
folder beside the model files, checked against a pinned digest like them, so that a new
process opens it without importing onnx (which alone takes a second or more).

The graph takes the texts of a batch as the numpy pass does: their word pieces stacked one
text after another, with no padding. Only attention sees them side by side: each layer gathers
the rows into a (text, position) grid padded to the longest text, and after attention takes
the real word pieces back out, so the other steps never work on padding.

Inputs (``N`` word pieces in all, ``B`` texts padded to ``W``):
    ``ids``, ``positions``, ``types``: int64 ``(N,)``, each word piece's vocabulary id, position
    in its text and token type. ``slots``: int64 ``(N,)``, where each word piece sits in the
    flattened ``(B, W)`` grid. ``rows``: int64 ``(B * W,)``, which word piece fills each cell of
    the grid (any one for padding). ``bias``: float32 ``(B, 1, 1, W)``, 0 for a word piece and a
    large negative number for padding, added to the attention scores.

Output: ``hidden``, float32 ``(N, 384)``: the last layer's state of every word piece, which
the encoder pools (mean, then unit length) as it does the numpy pass's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import onnx
    import onnxruntime

#: LayerNormalization is an operator from opset 17 on.
OPSET = 17
#: The IR version of opset 17 (ONNX 1.12), which every onnxruntime this project allows reads;
#: onnx's own default follows its newest release and may be newer than the runtime.
IR_VERSION = 8
INPUTS = ("ids", "positions", "types", "slots", "rows", "bias")
OUTPUT = "hidden"


class _Graph:
    """The nodes and weights of a graph being written; every value gets a fresh name."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self._helper, self._numpy_helper = helper, numpy_helper
        self.nodes: list = []
        self.weights: list = []
        self._count = 0

    def const(self, name: str, array: Any, dtype: Any = np.float32) -> str:
        self.weights.append(self._numpy_helper.from_array(np.ascontiguousarray(array, dtype=dtype), name))
        return name

    def op(self, op_type: str, *inputs: str, outputs: int = 1, **attributes: Any) -> Any:
        """Adds one node; returns its output's name (a list of names when ``outputs`` > 1)."""
        self._count += 1
        names = [f"{op_type.lower()}_{self._count}_{i}" for i in range(outputs)]
        self.nodes.append(self._helper.make_node(op_type, list(inputs), names, **attributes))
        return names[0] if outputs == 1 else names


def build_model(weights: Mapping[str, np.ndarray], config: Mapping[str, Any]) -> onnx.ModelProto:
    """The encoder's ONNX graph, its weights inside, from the safetensors tensors and config.json.

    Raises:
        ImportError: the ``onnx`` package is not installed.
    """
    from onnx import TensorProto, helper

    g = _Graph()
    x = _embeddings(g, weights, float(config["layer_norm_eps"]))
    heads = int(config["num_attention_heads"])
    dim = weights["embeddings.word_embeddings.weight"].shape[1]
    # (B, W, 3, heads, size): the grid's shape, from the padded width the bias is given with.
    texts = g.op("Shape", "bias", end=1)
    width = g.op("Shape", "bias", start=3)
    grid_shape = g.op(
        "Concat", texts, width, g.const("qkv_split", [3, heads, dim // heads], np.int64), axis=0
    )
    g.const("flat", [-1, dim], np.int64)
    g.const("first_axis", [0], np.int64)
    g.const("scale", 1 / np.sqrt(dim // heads))
    g.const("sqrt2", math.sqrt(2))
    g.const("one", 1.0)
    g.const("half", 0.5)
    for i in range(int(config["num_hidden_layers"])):
        x = _layer(g, x, weights, f"encoder.layer.{i}.", grid_shape, float(config["layer_norm_eps"]))
    g.nodes.append(helper.make_node("Identity", [x], [OUTPUT]))
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.INT64, [axis])
        for name, axis in (("ids", "N"), ("positions", "N"), ("types", "N"), ("slots", "N"), ("rows", "BW"))
    ]
    inputs.append(helper.make_tensor_value_info("bias", TensorProto.FLOAT, ["B", 1, 1, "W"]))
    output = helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", dim])
    graph = helper.make_graph(g.nodes, "all-MiniLM-L6-v2", inputs, [output], initializer=g.weights)
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
        producer_name="marker",
    )


def _embeddings(g: _Graph, w: Mapping[str, np.ndarray], eps: float) -> str:
    """Word, position and token-type embeddings of each word piece, added and normalised."""
    p = "embeddings."
    summed = g.op(
        "Add",
        g.op(
            "Add",
            g.op("Gather", g.const("word", w[p + "word_embeddings.weight"]), "ids", axis=0),
            g.op("Gather", g.const("position", w[p + "position_embeddings.weight"]), "positions", axis=0),
        ),
        g.op("Gather", g.const("token_type", w[p + "token_type_embeddings.weight"]), "types", axis=0),
    )
    return _norm(g, summed, w, p + "LayerNorm", eps)


def _norm(g: _Graph, x: str, w: Mapping[str, np.ndarray], name: str, eps: float) -> str:
    return g.op(
        "LayerNormalization",
        x,
        g.const(name + ".weight", w[name + ".weight"]),
        g.const(name + ".bias", w[name + ".bias"]),
        axis=-1,
        epsilon=eps,
    )


def _dense(g: _Graph, x: str, w: Mapping[str, np.ndarray], name: str, weight: Any = None) -> str:
    """``x @ W + b``; the weights are stored (out, in), so W is transposed once, here."""
    matrix = w[name + ".weight"].T if weight is None else weight
    return g.op(
        "Add",
        g.op("MatMul", x, g.const(name + ".weight", matrix)),
        g.const(name + ".bias", w[name + ".bias"]),
    )


def _layer(g: _Graph, x: str, w: Mapping[str, np.ndarray], p: str, grid_shape: str, eps: float) -> str:
    """One encoder layer: 12-head self-attention over the padded grid, then the feed-forward step."""
    a = p + "attention."
    # Query, key and value projections side by side, as one product.
    qkv_name = a + "self.qkv"
    qkv = g.op(
        "Add",
        g.op(
            "MatMul",
            x,
            g.const(
                qkv_name + ".weight",
                np.concatenate([w[a + f"self.{n}.weight"].T for n in ("query", "key", "value")], 1),
            ),
        ),
        g.const(
            qkv_name + ".bias", np.concatenate([w[a + f"self.{n}.bias"] for n in ("query", "key", "value")])
        ),
    )
    grid = g.op("Reshape", g.op("Gather", qkv, "rows", axis=0), grid_shape)
    # (B, W, 3, heads, size) -> (3, B, heads, W, size) -> query, key and value.
    split = g.op("Split", g.op("Transpose", grid, perm=[2, 0, 3, 1, 4]), outputs=3, axis=0)
    q, k, v = (g.op("Squeeze", part, "first_axis") for part in split)
    scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2])), "scale")
    weights = g.op("Softmax", g.op("Add", scores, "bias"), axis=-1)
    context = g.op("Transpose", g.op("MatMul", weights, v), perm=[0, 2, 1, 3])
    # Back to the real word pieces only, one row each.
    context = g.op("Gather", g.op("Reshape", context, "flat"), "slots", axis=0)
    x = _norm(g, g.op("Add", _dense(g, context, w, a + "output.dense"), x), w, a + "output.LayerNorm", eps)
    hidden = _dense(g, x, w, p + "intermediate.dense")
    # BERT's exact GELU, x (1 + erf(x / sqrt 2)) / 2, in the form onnxruntime fuses into one kernel.
    erf = g.op("Erf", g.op("Div", hidden, "sqrt2"))
    gelu = g.op("Mul", g.op("Mul", hidden, g.op("Add", erf, "one")), "half")
    return _norm(g, g.op("Add", _dense(g, gelu, w, p + "output.dense"), x), w, p + "output.LayerNorm", eps)


def open_session(model: bytes, threads: int) -> onnxruntime.InferenceSession:
    """An onnxruntime session of a serialised ``model``, on the CPU, ``threads`` threads per operator.

    One session serves the whole process: onnxruntime allows ``run`` from several threads at once.

    Raises:
        ImportError: onnxruntime is not installed.
        Exception: onnxruntime refuses the graph (its own exception classes).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: a refused graph is reported by the exception
    return onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
