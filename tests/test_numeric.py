"""Numeric evaluator: values, shape errors, and forward-mode Jacobians checked against
central differences and the standard identities.

Micro-benchmark (not a timed test): ``python -m derivlint.check.numeric`` prints the time of one
``jacobian`` call for a few claims (x^T A x with n = 4 takes about 30 µs on the project
machine).
"""

from __future__ import annotations

import numpy as np
import pytest

from derivlint.math.lexer import lex
from derivlint.check.numeric import DomainError, ShapeMismatch, Unsupported, evaluate, finite_difference, jacobian
from derivlint.math.parser import sub_parse
from derivlint.math.tree import Deriv


def tree(text: str):
    return sub_parse(lex(text))


def rng():
    return np.random.default_rng(1234)


def spd(g, n):
    m = g.normal(size=(n, n))
    return m @ m.T + n * np.eye(n)


def values(g, spec: dict) -> dict:
    """Random values: a shape tuple gives a normal draw; 'spd n' a symmetric positive
    definite n×n matrix; 'pos' a positive scalar; 'posvec n' a positive column."""
    env = {}
    for key, what in spec.items():
        if isinstance(what, tuple):
            env[key] = g.normal(size=what)
        elif what.startswith("spd"):
            env[key] = spd(g, int(what.split()[1]))
        elif what == "pos":
            env[key] = np.array([[g.uniform(0.5, 2.0)]])
        elif what.startswith("posvec"):
            env[key] = g.uniform(0.5, 2.0, size=(int(what.split()[1]), 1))
        else:
            raise ValueError(what)
    return env


# --------------------------------------------------------------------------- Jacobians against finite differences

# (LaTeX, values, variable). Sizes differ (2, 3, 4, 5) so that a transposition slip cannot hide.
CASES = [
    ("x^T A x", {"x": (4, 1), "A": (4, 4)}, "x"),
    ("x^T A x", {"x": (4, 1), "A": (4, 4)}, "A"),
    ("A x", {"x": (4, 1), "A": (3, 4)}, "x"),
    ("A x", {"x": (4, 1), "A": (3, 4)}, "A"),
    ("a^T X b", {"a": (3, 1), "X": (3, 4), "b": (4, 1)}, "X"),
    ("A X B", {"A": (2, 3), "X": (3, 4), "B": (4, 5)}, "X"),
    ("X^T X", {"X": (4, 3)}, "X"),
    ("x x^T", {"x": (3, 1)}, "x"),
    ("2 A x - b + 3", {"A": (1, 4), "x": (4, 1), "b": (1, 1)}, "x"),
    (r"\frac{1}{2} x^T x", {"x": (4, 1)}, "x"),
    ("(A + B) x", {"A": (3, 3), "B": (3, 3), "x": (3, 1)}, "A"),
    (r"a \odot x", {"a": (4, 1), "x": (4, 1)}, "x"),
    (r"X \circ X", {"X": (2, 3)}, "X"),
    (r"A \otimes X", {"A": (2, 3), "X": (3, 2)}, "X"),
    (r"X \otimes B", {"B": (2, 3), "X": (3, 2)}, "X"),
    ("X^T", {"X": (2, 3)}, "X"),
    ("X^{-1}", {"X": "spd 3"}, "X"),
    ("X^{-T}", {"X": "spd 3"}, "X"),
    ("a^T X^{-1} b", {"a": (3, 1), "X": "spd 3", "b": (3, 1)}, "X"),
    ("X^3", {"X": (3, 3)}, "X"),
    ("X^{-2}", {"X": "spd 3"}, "X"),
    ("X^2 + X^0", {"X": (2, 2)}, "X"),
    (r"x^{1/2}", {"x": "pos"}, "x"),
    (r"x^{-3/2}", {"x": "pos"}, "x"),
    ("x^{-2}", {"x": "pos"}, "x"),
    ("2^{x}", {"x": (1, 1)}, "x"),
    ("a^{x}", {"a": "pos", "x": (1, 1)}, "x"),
    ("(x^T x)^3", {"x": (3, 1)}, "x"),
    (r"\operatorname{tr}(A X)", {"A": (4, 3), "X": (3, 4)}, "X"),
    (r"\operatorname{tr}(X^T A X)", {"A": (4, 4), "X": (4, 3)}, "X"),
    (r"\operatorname{tr}(A X^{-1} B)", {"A": (2, 3), "X": "spd 3", "B": (3, 2)}, "X"),
    (r"\det X", {"X": (3, 3)}, "X"),
    (r"\det(A X B)", {"A": (3, 2), "X": (2, 4), "B": (4, 3)}, "X"),
    (r"|X|", {"X": (3, 3)}, "X"),
    (r"\log\det X", {"X": "spd 3"}, "X"),
    (r"\operatorname{logdet}(X)", {"X": "spd 4"}, "X"),
    (r"\ln |X|", {"X": (3, 3)}, "X"),
    (r"\ln |\det X|", {"X": (3, 3)}, "X"),
    (r"\ln(x^T x)", {"x": (3, 1)}, "x"),
    (r"\log_2 (x^T x)", {"x": (3, 1)}, "x"),
    (r"\exp(a^T x)", {"a": (3, 1), "x": (3, 1)}, "x"),
    (r"\exp(x)", {"x": (3, 1)}, "x"),
    (r"\sqrt{x^T x}", {"x": (3, 1)}, "x"),
    (r"\sqrt{x}", {"x": "posvec 3"}, "x"),
    (r"\sin(X)", {"X": (2, 3)}, "X"),
    (r"\cos(A x)", {"A": (2, 3), "x": (3, 1)}, "x"),
    (r"\tan(x)", {"x": (3, 1)}, "x"),
    (r"\tanh(W x)", {"W": (2, 3), "x": (3, 1)}, "W"),
    (r"\operatorname{sigmoid}(w^T x)", {"w": (3, 1), "x": (3, 1)}, "w"),
    (r"\operatorname{softmax}(z)", {"z": (4, 1)}, "z"),
    (r"\|x\|", {"x": (4, 1)}, "x"),
    (r"\|x\|_2", {"x": (1, 4)}, "x"),
    (r"\|x\|^2", {"x": (4, 1)}, "x"),
    (r"\|A x - b\|_2^2", {"A": (3, 4), "x": (4, 1), "b": (3, 1)}, "x"),
    (r"\|X\|_F", {"X": (3, 2)}, "X"),
    (r"\|X\|_F^2", {"X": (3, 2)}, "X"),
    (r"\|x\|_1", {"x": (4, 1)}, "x"),
    (r"\|x\|_\infty", {"x": (4, 1)}, "x"),
    (r"\|X\|_*", {"X": (3, 2)}, "X"),
    (r"|a^T x|", {"a": (3, 1), "x": (3, 1)}, "x"),
    (r"\langle a, X b \rangle", {"a": (3, 1), "X": (3, 2), "b": (2, 1)}, "X"),
    (r"\frac{A x}{x^T x}", {"A": (2, 3), "x": (3, 1)}, "x"),
    (r"x / (a^T x)", {"a": (3, 1), "x": (3, 1)}, "x"),
    (r"\operatorname{diag}(x)", {"x": (3, 1)}, "x"),
    (r"\operatorname{diag}(X)", {"X": (3, 3)}, "X"),
    (r"\operatorname{diag}(x) A", {"x": (3, 1), "A": (3, 2)}, "x"),
    (r"\operatorname{vec}(X)", {"X": (2, 3)}, "X"),
    (r"\operatorname{vec}(A X B)", {"A": (2, 3), "X": (3, 2), "B": (2, 4)}, "X"),
    (r"\begin{bmatrix} x^T x & a^T x \\ 1 & \sin(a^T x) \end{bmatrix}", {"x": (3, 1), "a": (3, 1)}, "x"),
    (r"\begin{bmatrix} X & 0 \\ 0 & X^T \end{bmatrix}", {"X": (2, 3)}, "X"),
    (r"\begin{bmatrix} A x & B x \end{bmatrix}", {"A": (2, 3), "B": (2, 3), "x": (3, 1)}, "x"),
    (r"(a^T x, x^T x)", {"a": (3, 1), "x": (3, 1)}, "x"),
    (r"X + \lambda I", {"X": (3, 3), "lambda": (1, 1)}, "X"),
    (r"(X^T X + \lambda I)^{-1} X^T y", {"X": (4, 3), "lambda": "pos", "y": (4, 1)}, "X"),
    (r"(X^T X + \lambda I)^{-1} X^T y", {"X": (4, 3), "lambda": "pos", "y": (4, 1)}, "lambda"),
    (r"x^T I x", {"x": (3, 1)}, "x"),
    (r"a \times x", {"a": (3, 1), "x": (3, 1)}, "x"),
    (r"a \cdot x", {"a": (3, 1), "x": (3, 1)}, "x"),
    (r"e^{-\frac{1}{2} x^T \Sigma^{-1} x}", {"x": (3, 1), "Sigma": "spd 3"}, "Sigma"),
]


@pytest.mark.parametrize("text, spec, wrt", CASES, ids=[f"{c[0]} d{c[2]}" for c in CASES])
def test_jacobian_matches_central_differences(text, spec, wrt):
    g = rng()
    node = tree(text)
    for _ in range(2):  # two independent draws
        env = values(g, spec)
        value, jac = jacobian(node, env, wrt)
        assert np.allclose(value, evaluate(node, env))
        p, q = value.shape
        assert jac.shape == (p, q, *env[wrt].shape)
        fd = finite_difference(node, env, wrt)
        scale = max(1.0, np.abs(fd).max())
        assert np.abs(jac - fd).max() <= 1e-6 * scale, (jac, fd)
        assert np.abs(jac).max() > 0  # the variable matters: a zero Jacobian would pass trivially


def test_the_variable_is_the_only_one_that_moves():
    g = rng()
    env = values(g, {"x": (3, 1), "A": (3, 3)})
    _, jac = jacobian(tree("A A"), env, "x")  # x absent: the Jacobian is zero
    assert jac.shape == (3, 3, 3, 1) and not jac.any()


# --------------------------------------------------------------------------- identities from the tables


def gradient(jac):
    """∂(scalar)/∂X arranged like X (the denominator layout)."""
    return jac[0, 0]


def test_quadratic_form_is_x_transposed_a_plus_a_transposed():
    g = rng()
    env = values(g, {"x": (4, 1), "A": (4, 4)})
    _, jac = jacobian(tree("x^T A x"), env, "x")
    x, a = env["x"], env["A"]
    numerator = jac.reshape(1, 4)  # a row in the numerator arrangement
    assert np.allclose(numerator, x.T @ (a + a.T))
    assert not np.allclose(numerator, x.T @ (2 * a))  # A is not symmetric


def test_trace_of_ax_is_a_transposed():
    g = rng()
    env = values(g, {"A": (4, 3), "X": (3, 4)})
    _, jac = jacobian(tree(r"\operatorname{tr}(A X)"), env, "X")
    assert np.allclose(gradient(jac), env["A"].T)


def test_log_det_is_inverse_transposed():
    g = rng()
    x = g.normal(size=(3, 3)) + 3 * np.eye(3)
    for text in (r"\log\det X", r"\ln|X|"):
        _, jac = jacobian(tree(text), {"X": x}, "X")
        assert np.allclose(gradient(jac), np.linalg.inv(x).T)


def test_det_is_det_times_inverse_transposed():
    g = rng()
    x = g.normal(size=(3, 3))
    _, jac = jacobian(tree(r"\det(X)"), {"X": x}, "X")
    assert np.allclose(gradient(jac), np.linalg.det(x) * np.linalg.inv(x).T)


def test_det_of_a_singular_matrix_has_the_adjugate_as_gradient():
    x = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 5.0]])  # rank 2
    _, jac = jacobian(tree(r"\det X"), {"X": x}, "X")
    assert np.allclose(gradient(jac), finite_difference(tree(r"\det X"), {"X": x}, "X")[0, 0])
    assert np.abs(gradient(jac)).max() > 0


def test_inverse_differential():
    g = rng()
    x = spd(g, 3)
    dx = g.normal(size=(3, 3))
    _, jac = jacobian(tree("X^{-1}"), {"X": x}, "X")
    directional = np.einsum("abcd,cd->ab", jac, dx)
    inv = np.linalg.inv(x)
    assert np.allclose(directional, -inv @ dx @ inv)


def test_least_squares_gradient():
    g = rng()
    env = values(g, {"X": (5, 3), "w": (3, 1), "y": (5, 1)})
    _, jac = jacobian(tree(r"\|y - X w\|^2"), env, "w")
    x, w, y = env["X"], env["w"], env["y"]
    assert np.allclose(jac.reshape(3, 1), 2 * x.T @ (x @ w - y))


def test_jacobian_of_a_vector_is_numerator_arranged():
    g = rng()
    env = values(g, {"A": (2, 3), "x": (3, 1)})
    _, jac = jacobian(tree("A x"), env, "x")
    assert np.allclose(jac[:, 0, :, 0], env["A"])  # ∂(Ax)_a/∂x_c = A[a, c]


# --------------------------------------------------------------------------- evaluate: values, scalars, shapes


def test_scalar_times_matrix_either_side():
    g = rng()
    env = values(g, {"x": (3, 1), "A": (3, 3), "B": (2, 4)})
    for text in ("x^T A x B", "B x^T A x", r"(x^T A x) \cdot B", "2 B"):
        value = evaluate(tree(text), env)
        assert value.shape == (2, 4)
        factor = 2.0 if text == "2 B" else (env["x"].T @ env["A"] @ env["x"])[0, 0]
        assert np.allclose(value, factor * env["B"])
    with pytest.raises(ShapeMismatch):  # B x^T is 2×4 by 1×3, and x A x is no scalar
        evaluate(tree("B x^T A^T"), env)


def test_numbers_and_literals():
    assert evaluate(tree(r"\frac{3}{4} + 2 \cdot 0.5"), {})[0, 0] == pytest.approx(1.75)
    lit = evaluate(tree(r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}^T"), {})
    assert lit.tolist() == [[1, 3], [2, 4]]
    inverse = evaluate(tree(r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}^{-1}"), {})
    assert np.allclose(inverse, [[-2, 1], [1.5, -0.5]])


def test_identity_takes_the_size_of_its_neighbours():
    a = np.arange(9.0).reshape(3, 3)
    assert np.allclose(evaluate(tree("A + I"), {"A": a}), a + np.eye(3))
    assert np.allclose(evaluate(tree("A - 2 I"), {"A": a}), a - 2 * np.eye(3))
    assert np.allclose(evaluate(tree("I A"), {"A": a}), a)
    assert np.allclose(evaluate(tree("A + 0"), {"A": a}), a)
    with pytest.raises(Unsupported, match="size of I"):
        evaluate(tree("2 I"), {})
    with pytest.raises(ShapeMismatch, match="identity added"):
        evaluate(tree("B + I"), {"B": np.ones((2, 3))})


def test_an_explicit_identity_in_env_is_used_as_given():
    assert evaluate(tree("I"), {"I": np.eye(2)}).shape == (2, 2)


def test_the_size_of_i_does_not_leak_into_a_trace():
    with pytest.raises(Unsupported, match="size of I"):
        evaluate(tree(r"A + \operatorname{tr}(I)"), {"A": np.eye(3)})


def test_values_must_be_two_dimensional():
    assert evaluate(tree("2 a"), {"a": 1.5})[0, 0] == 3.0  # a plain number is a 1×1 value
    with pytest.raises(Unsupported, match="not a 2-D array"):
        evaluate(tree("a"), {"a": np.ones(3)})  # a 1-D array: row or column?


@pytest.mark.parametrize(
    "text, spec, message",
    [
        ("A x", {"A": (3, 4), "x": (3, 1)}, r"cannot multiply A \(3×4\) and x \(3×1\)"),
        ("A X^T", {"A": (3, 3), "X": (3, 1)}, r"A \(3×3\) and X\^T \(1×3\)"),
        ("a + b", {"a": (3, 1), "b": (2, 1)}, r"cannot add b \(2×1\) to a \(3×1\)"),
        (r"\operatorname{tr}(A)", {"A": (2, 3)}, r"trace of A, which is 2×3"),
        (r"\det A", {"A": (2, 3)}, r"determinant of A, which is 2×3"),
        ("A^{-1}", {"A": (2, 3)}, r"inverse of A, which is 2×3"),
        ("A^2", {"A": (2, 3)}, r"power of A, which is 2×3"),
        (r"a \odot b", {"a": (3, 1), "b": (1, 3)}, r"Hadamard"),
        (r"\frac{a}{b}", {"a": (3, 1), "b": (3, 1)}, r"divide by b \(3×1\)"),
        (r"\langle a, b \rangle", {"a": (3, 1), "b": (2, 1)}, r"inner product"),
        (r"\begin{bmatrix} A & B \end{bmatrix}", {"A": (2, 2), "B": (3, 2)}, r"block"),
    ],
)
def test_shape_mismatch_names_the_operands(text, spec, message):
    env = values(rng(), spec)
    node = tree(text)
    with pytest.raises(ShapeMismatch, match=message) as err:
        evaluate(node, env)
    assert err.value.node is not None
    with pytest.raises(ShapeMismatch):  # the same with tangents
        jacobian(node, env, next(iter(spec)))


@pytest.mark.parametrize(
    "text, message",
    [
        (r"\sum_{i=1}^{n} x_i", "sum with symbolic limits"),
        (r"\begin{bmatrix} x_1 & \cdots & x_n \end{bmatrix}", "schematic matrix"),
        ("f(x)", "function f has no definition"),
        (r"\max(a, b)", "max"),
        ("y", "no value for y"),
        (r"\frac{\partial f}{\partial x}", "derivative"),
        (r"\|X\|_2", "spectral norm, or the Frobenius"),  # notes mean either
        (r"x \otimes x", "Kronecker or the element-wise"),
        (r"X \ast X", "the note's own"),
        (r"X \bullet X", "the note's own"),
    ],
)
def test_unsupported_constructs_say_why(text, message):
    env = {"x": np.ones((2, 1)), "a": np.ones((1, 1)), "b": np.ones((1, 1)), "f": np.ones((1, 1)), "X": np.eye(2)}
    with pytest.raises(Unsupported, match=message):
        evaluate(tree(text), env)


def test_domain_errors_are_reported_not_nan():
    with pytest.raises(DomainError, match="log"):
        evaluate(tree(r"\ln(x)"), {"x": -np.ones((1, 1))})
    with pytest.raises(DomainError, match="singular"):
        evaluate(tree("X^{-1}"), {"X": np.ones((2, 2))})
    with pytest.raises(DomainError):
        evaluate(tree(r"\log\det X"), {"X": -np.eye(3)})
    with pytest.raises(DomainError):
        evaluate(tree(r"x^{1/2}"), {"x": -np.ones((1, 1))})
    # |X| ≠ det X only in sign; ln |X| is defined for a negative determinant
    assert evaluate(tree(r"\ln |X|"), {"X": -np.eye(3)})[0, 0] == pytest.approx(0.0)


def test_derivative_nodes_come_from_the_callback_and_are_constants():
    seen = []

    def deriv(node):
        seen.append(node)
        assert isinstance(node, Deriv)
        return np.full((3, 1), 2.0)

    env = {"x": np.arange(3.0).reshape(3, 1)}
    node = tree(r"x^T \frac{\partial f}{\partial x}")
    value, jac = jacobian(node, env, "x", deriv=deriv)
    assert value[0, 0] == pytest.approx(6.0)
    assert np.allclose(jac.reshape(3), 2.0)  # only the explicit x moves
    assert len(seen) == 1


def test_missing_variable_is_unsupported():
    with pytest.raises(Unsupported, match="no value for z"):
        jacobian(tree("x"), {"x": np.ones((1, 1))}, "z")


@pytest.mark.parametrize("text", [r"e^{X}", r"\exp(X)", r"\ln(X)", r"\sqrt{X}", r"\operatorname{tr}(e^{X})", r"\sin(X)"])
def test_a_function_of_a_square_matrix_is_not_read_entry_by_entry(text):
    """e^X of a square X is usually expm: ∂tr(e^X)/∂X = e^X (numerator layout) must not
    be judged with the entrywise exp, whose gradient is diagonal."""
    env = {"X": np.eye(3) + 0.1 * np.arange(9.0).reshape(3, 3)}
    with pytest.raises(Unsupported, match="square matrix X"):
        jacobian(tree(text), env, "X")
    # non-square matrices and vectors keep the entrywise reading
    assert evaluate(tree(r"\exp(X)"), {"X": np.zeros((2, 3))}) == pytest.approx(np.ones((2, 3)))
    assert evaluate(tree(r"e^{x}"), {"x": np.zeros((3, 1))}) == pytest.approx(np.ones((3, 1)))


def test_a_differential_is_the_change_along_the_differentials_the_env_gives():
    # d(X^{-1}) along dX is -X^{-1} dX X^{-1}; A, with no differential of its own, stays constant
    from derivlint.check.numeric import DIFFERENTIAL

    g = rng()
    x, a, dx = spd(g, 3), g.normal(size=(3, 3)), g.normal(size=(3, 3))
    env = {"X": x, "A": a, DIFFERENTIAL + "X": dx}
    inv = np.linalg.inv(x)
    assert np.allclose(evaluate(tree(r"\mathrm{d}(X^{-1})"), env), -inv @ dx @ inv)
    assert np.allclose(evaluate(tree(r"\mathrm{d}(A X)"), env), a @ dx)
    assert np.allclose(evaluate(tree(r"\mathrm{d}X"), env), dx)
    with pytest.raises(Unsupported):  # no symbol's differential given: what moves is unknown
        evaluate(tree(r"\mathrm{d}(A X)"), {"X": x, "A": a})
