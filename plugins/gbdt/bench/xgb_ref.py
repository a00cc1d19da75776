"""XGBoost `hist` reference for gbdt.bench.mjs: same matrix, same parameters, same time-ordered split.
argv: matrix.f64 (features x rows, column-major) y.f64 n_features n_rows params.json -> prints JSON."""
import json, sys, time
import numpy as np
import xgboost as xgb

xpath, ypath, nf, nr, ppath = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
X = np.fromfile(xpath, dtype=np.float64).reshape(nf, nr).T.copy()
y = np.fromfile(ypath, dtype=np.float64)
p = json.load(open(ppath))
n_valid = int(nr * p["validationFraction"])
tr, va = slice(0, nr - n_valid), slice(nr - n_valid, nr)
out = {}
for nthread in (1, 2):
    params = dict(tree_method="hist", max_bin=255, max_depth=p["maxDepth"], eta=p["learningRate"], reg_lambda=p["lambda"],
                  min_child_weight=p["minChildWeight"], subsample=1.0, colsample_bytree=1.0, objective="reg:squarederror",
                  nthread=nthread, base_score=float(np.mean(y[tr])))
    best = None
    for rep in range(3):
        dtr = xgb.DMatrix(X[tr], label=y[tr], missing=np.nan, nthread=nthread)
        t0 = time.perf_counter()
        bst = xgb.train(params, dtr, num_boost_round=p["nEstimators"])
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    pred = bst.predict(xgb.DMatrix(X[va], missing=np.nan, nthread=nthread))
    out[f"nthread{nthread}"] = {"seconds": best, "validMse": float(np.mean((pred - y[va]) ** 2))}
out["version"] = xgb.__version__
print(json.dumps(out))
