"""The protocol: sustained-window success, capture times, tolerance tiers, disjoint splits."""

from __future__ import annotations

import numpy as np
import pytest

from chaosgym.baselines.evaluate import summarize
from chaosgym.baselines.protocol import (
    check_disjoint,
    initial_state_set,
    observation_of,
    sustained,
    window_steps,
)


def test_sustained_window_and_capture_time():
    held = np.array([
        [0, 0, 1, 1, 1, 1, 1, 1, 1, 1],  # enters at step 3, holds: success, capture 3
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 0],  # leaves at the end: a failure
        [0, 0, 0, 0, 0, 0, 0, 0, 1, 1],  # a chance entry shorter than the window
        [1, 0, 1, 0, 0, 0, 1, 1, 1, 1],  # earlier crossings do not count: capture 7
    ], bool)
    ok, capture = sustained(held, window=3)
    np.testing.assert_array_equal(ok, [True, False, False, True])
    np.testing.assert_array_equal(capture, [3, -1, -1, 7])
    assert window_steps(400) == 40 and window_steps(50) == 10 and window_steps(5) == 5
    with pytest.raises(ValueError, match="window"):
        sustained(held, window=11)


def test_summary_tiers_tell_a_tight_hold_from_a_steady_offset():
    steps, dt = 100, 0.1
    t = np.arange(steps)
    tight = np.where(t < 30, 1.0, 1e-4)        # captured at step 31 and held at 1e-4
    offset = np.where(t < 20, 1.0, 0.05)       # sits at 0.05: inside 0.1, never inside 0.01
    crossing = np.where(t == steps - 1, 0.05, 1.0)  # only the last step is inside
    dist = np.stack([tight, offset, crossing]).astype(np.float32)
    res = {"return": np.zeros(3), "length": np.full(3, steps),
           "flags": np.array(["diverged", "captured"]),
           "trace_diverged": np.zeros((3, steps), np.float32),
           "trace_distance": dist, "trace_captured": (dist < 0.1).astype(np.float32)}
    s = summarize(res, dt)
    assert s["captured_rate"] == pytest.approx(2 / 3)  # the last-step crossing fails
    assert s["held_0.1_rate"] == pytest.approx(2 / 3)
    assert s["held_0.01_rate"] == pytest.approx(1 / 3)  # only the tight hold
    assert s["held_0.01_time_median"] == pytest.approx(31 * dt)
    assert s["captured_time_median"] == pytest.approx(np.median([31, 21]) * dt)
    assert s["window_steps"] == 10
    # a diverged episode never succeeds, whatever its frozen trace says
    res["trace_diverged"][0, 50:] = 1.0
    assert summarize(res, dt)["held_0.01_rate"] == 0.0


def test_observation_column():
    assert observation_of("lqr") == observation_of("pyragas") == "full state"
    assert observation_of("ppo") == "sensors" and observation_of("zero") == "none"
    assert observation_of("ppo", "chaosgym/LorenzStabilize-v1") == "full state"
    assert observation_of("sac", "chaosgym/KuramotoSivashinskyTarget-v2") == "sensors (8 of 64)"
    assert observation_of("ppo", "chaosgym/LorenzSynchronize-v1") == "state + task (6)"


def test_validation_and_test_sets_are_disjoint_from_training_and_stored(tmp_path):
    from chaosgym.registration import make_functional

    env_id = "chaosgym/LorenzStabilize-v1"
    fenv = make_functional(env_id)
    val = initial_state_set(env_id, "validation", 12, fenv=fenv)
    test = initial_state_set(env_id, "test", 12, directory=tmp_path, fenv=fenv)
    train = np.asarray(fenv.ic_bank)
    noise = float(fenv.ic_noise * np.max(np.std(train, axis=0))) * 6  # reset perturbations
    assert check_disjoint(val, test) > noise
    assert check_disjoint(val, train) > noise and check_disjoint(test, train) > noise
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "LorenzStabilize-v1.test.json", "LorenzStabilize-v1.test.npy"]
    again = initial_state_set(env_id, "test", 12, directory=tmp_path, fenv=fenv)
    np.testing.assert_array_equal(again, test)  # reloaded and validated, not redrawn
    with pytest.raises(ValueError, match="split"):
        initial_state_set(env_id, "train", 3)


def test_evaluate_command_starts_from_the_tables_stored_states(tmp_path, monkeypatch):
    """`chaosgym evaluate` runs on the benchmark's stored test set (or, asked, the validation
    set), so it reproduces the table; it once drew its own states from the training bank."""
    import chaosgym.baselines.evaluate_command as ev

    env_id = "chaosgym/LorenzStabilize-v1"
    seen = []
    monkeypatch.setattr(ev, "evaluate_controllers",
                        lambda env, ics: seen.append(np.asarray(ics)) or {})
    test = initial_state_set(env_id, "test", 5, directory=tmp_path)
    assert ev.main(["--env", env_id, "--n-ics", "5", "--ics-dir", str(tmp_path)]) == 0
    np.testing.assert_array_equal(seen[-1], test)
    assert ev.main(["--env", env_id, "--n-ics", "5", "--ics-dir", str(tmp_path),
                    "--split", "validation"]) == 0
    np.testing.assert_array_equal(seen[-1], initial_state_set(env_id, "validation", 5))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "LorenzStabilize-v1.test.json", "LorenzStabilize-v1.test.npy",
        "LorenzStabilize-v1.validation.json", "LorenzStabilize-v1.validation.npy"]


def test_plateau_change_tells_a_learning_curve_from_a_flat_one():
    from chaosgym.baselines.protocol import PLATEAU_TOLERANCE, plateau_change

    t = np.arange(1, 21) * 1000
    rising = -1000.0 + 50.0 * np.arange(20)  # still gaining at the end
    flat = np.minimum(-1000.0 + 200.0 * np.arange(20), -100.0)  # saturates at step 5
    assert plateau_change(t, rising) == pytest.approx(0.2105, abs=1e-3)
    assert plateau_change(t, rising) > PLATEAU_TOLERANCE
    assert abs(plateau_change(t, flat)) < PLATEAU_TOLERANCE
    assert np.isnan(plateau_change(t[:3], flat[:3]))


def test_plateau_column_counts_a_falling_curve_and_a_short_one_as_unsettled():
    from chaosgym.baselines.benchmark import _plateau_cell
    from chaosgym.baselines.protocol import PLATEAU_TOLERANCE, plateau_change, plateaued

    t = np.arange(1, 21) * 1000
    flat = np.minimum(-1000.0 + 200.0 * np.arange(20), -100.0)
    falling = np.concatenate([flat[:16], [-400.0, -500.0, -600.0, -700.0]])  # collapses late
    seeds = [{"plateau_change": plateau_change(t, flat)},
             {"plateau_change": plateau_change(t, falling)}]
    fall = seeds[1]["plateau_change"]
    assert fall < -PLATEAU_TOLERANCE and plateaued(seeds[0]["plateau_change"])
    assert not plateaued(fall)
    assert _plateau_cell(seeds) == f"1/2 (max {100 * fall:+.1f} %)"  # the fall, with its sign
    short = {"plateau_change": plateau_change(t[:2], flat[:2])}
    assert not plateaued(short["plateau_change"])
    assert _plateau_cell([short]).startswith("unknown")
    assert _plateau_cell([seeds[0], short]).startswith("1/2 ")


def test_score_prefers_holding_the_strict_tier_over_a_faster_capture():
    from chaosgym.baselines.protocol import score

    fast_offset = {"captured_rate": 1.0, "captured_time_mean": 3.0, "held_0.01_rate": 0.0,
                   "return_mean": -1000.0}
    slow_precise = {"captured_rate": 1.0, "captured_time_mean": 7.0, "held_0.01_rate": 1.0,
                    "return_mean": -900.0}
    partial = {"captured_rate": 0.9, "captured_time_mean": 2.0, "held_0.01_rate": 0.9,
               "return_mean": -800.0}
    assert score(slow_precise) > score(fast_offset) > score(partial)
    assert score({"return_mean": -5.0}) > score({"return_mean": -6.0})


def test_kept_policy_plateau_reads_the_running_best():
    """A curve that peaks early and then swings settles for the kept policy though its raw
    curve does not; a curve whose best is still rising at the end settles for neither."""
    from chaosgym.baselines.benchmark import _kept_cell
    from chaosgym.baselines.protocol import kept_plateau_change, plateau_change, plateaued

    t = np.arange(1, 51) * 1000.0
    swinging = -700.0 - 600.0 * (np.arange(50) % 2)  # swings between -700 and -1300
    swinging[:10] = np.linspace(-2000, -700, 10)  # after a rise to its best, -700
    swinging[-5:] = -1300.0  # ends low: the raw curve falls, the kept best does not move
    rising = np.linspace(-2000, -500, 50)
    assert not plateaued(plateau_change(t, swinging))
    assert kept_plateau_change(t, swinging) == 0.0
    assert kept_plateau_change(t, rising) == pytest.approx(plateau_change(t, rising))
    assert not plateaued(kept_plateau_change(t, rising))
    assert kept_plateau_change(t[::-1], rising[::-1]) == kept_plateau_change(t, rising)
    curve = {"timesteps": t.tolist(), "task_metric": [0.0] * 50}
    row = {"per_seed": {"seed0": {}, "seed1": {}},
           "curves": {"seed0": {**curve, "return_mean": swinging.tolist()},
                      "seed1": {**curve, "return_mean": rising.tolist()}}}
    gain = 100 * kept_plateau_change(t, rising)
    assert _kept_cell(row) == f"1/2 (max {gain:+.1f} %)"
    assert _kept_cell({"per_seed": {"seed0": {}}}) == "unknown (no stored curve)"


def test_variant_choice_reads_validation_success_before_return():
    """Per seed the best (success, return) evaluation, IQM over seeds: a configuration that
    captures more validation states wins even with a lower return; on equal success the
    higher return wins; an exact tie keeps the default; tasks scored by return use it alone."""
    from chaosgym.baselines.protocol import choose_variant, kept_validation

    def curves(rates, returns, name="captured_rate"):
        return {f"seed{k}": {"timesteps": [1000, 2000], "task_metric": list(r),
                             "return_mean": list(g), "task_metric_name": name}
                for k, (r, g) in enumerate(zip(rates, returns, strict=True))}

    # seed-wise bests: success 1, 1, 0.5, 0 (IQM of the middle two: 0.75)
    a = curves([[0.0, 1.0], [1.0, 0.2], [0.5, 0.5], [0.0, 0.0]],
               [[-900, -500], [-700, -100], [-800, -600], [-50, -40]])
    metric, ret = kept_validation(a)
    assert metric == pytest.approx(0.75)
    # the kept returns are those at each seed's best (success, return): -500, -700, -600, -40
    assert ret == pytest.approx(np.mean([-600, -500]))
    more_success = curves([[1.0]] * 4, [[-2000]] * 4)
    higher_return = curves([[0.0, 1.0], [1.0, 0.2], [0.5, 0.5], [0.0, 0.0]],
                           [[-900, -400], [-700, -100], [-800, -500], [-50, -40]])
    assert choose_variant({"base": a, "other": more_success}, "base") == "other"
    assert choose_variant({"base": a, "other": higher_return}, "base") == "other"
    assert choose_variant({"base": higher_return, "other": a}, "base") == "base"
    assert choose_variant({"other": a, "base": dict(a)}, "base") == "base"
    by_return = curves([[0.0]], [[-10.0, -20.0]], name="return_mean")
    assert kept_validation(by_return) == (0.0, -10.0)
    with pytest.raises(ValueError, match="default 'x'"):
        choose_variant({"base": a}, "x")
    with pytest.raises(ValueError, match="no stored validation curve"):
        kept_validation({})
