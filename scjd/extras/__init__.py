"Beyond SCJD: the second source document of the repository (`distilpose`, `E1_distilpose`)."
