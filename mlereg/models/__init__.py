"""The models: the likelihood contract, GLM families and links, their row kernels, and
the model classes (thin definitions on the engine)."""
