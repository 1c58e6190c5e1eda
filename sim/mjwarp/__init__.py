"""MuJoCo Warp (the ``[gpu]`` extra): the MuJoCo tasks' physics stepped by MJWarp on a GPU,
or slowly on the CPU."""
