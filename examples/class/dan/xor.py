"""Dan's XOR network: typical first attempts, each one a catalogued misconception."""
import numpy as np

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def sig(z):
    return 1 / (1 + np.exp(-z))


def init_xor_mlp(rng, hidden=2):
    limit_1 = np.sqrt(6 / (2 + hidden))
    limit_2 = np.sqrt(6 / (hidden + 1))
    return {"W1": rng.uniform(-limit_1, limit_1, (2, hidden)), "b1": np.zeros(hidden),
            "W2": rng.uniform(-limit_2, limit_2, (hidden, 1)), "b2": np.zeros(1)}


def xor_forward(X, params):
    h = sig(X @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]            # no sigmoid on the output


def xor_train_step(params, X, Y, lr):
    h = sig(X @ params["W1"] + params["b1"])
    y_hat = sig(h @ params["W2"] + params["b2"])
    n = len(X)
    loss = 0.5 * np.sum((Y - y_hat) ** 2) / n
    d2 = -(Y - y_hat) / n                             # the output sigmoid's derivative is missing
    d1 = (d2 @ params["W2"].T) * h * (1 - h)
    return {"W1": params["W1"] - lr * X.T @ d1, "b1": params["b1"] - lr * d1.sum(axis=0),
            "W2": params["W2"] - lr * h.T @ d2, "b2": params["b2"] - lr * d2.sum(axis=0)}, loss


def train_xor(params, X, Y, lr=1.0, epochs=5000):
    losses = []
    for _ in range(epochs):
        params, loss = xor_train_step(params, X, Y, lr)
        losses.append(loss)
    return params, np.array(losses)


def xor_predict(X, params):
    y_hat = sig(sig(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])
    return (y_hat >= 0).astype(int)                   # a sigmoid is never below 0
