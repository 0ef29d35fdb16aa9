"""From source to one SQL script: dependency analysis and the deterministic build. Pure: no connection."""
