// Learning module: see docs/ARCHITECTURE.md for its concern and contract.
