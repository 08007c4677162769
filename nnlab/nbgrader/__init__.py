"""nnlab as an nbgrader course: lab notebooks' contract (extract), the notebook helper (lab),
the course directory (course: `nnlab nbgrader build`) and secure autograding into nbgrader's
gradebook (autograde: `nnlab nbgrader autograde`)."""
