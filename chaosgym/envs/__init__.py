"""The pure environment and everything that adapts it.

* :mod:`chaosgym.envs.functional` — system × integrator × task as pure
  ``reset``/``step(key, state, action, params)`` functions;
* :mod:`chaosgym.envs.registry` — ids → configurations (one line per id), Gymnasium registration;
* :mod:`chaosgym.envs.wrappers` — pure (jittable) wrappers: the one autoreset, noise, sensors,
  delays;
* :mod:`chaosgym.envs.adapters` — one contract (:mod:`~chaosgym.envs.adapters._contract`)
  behind the Gymnasium ``Env`` and ``VectorEnv``, the SB3 ``VecEnv`` and the gymnax API.
"""
