"""nbgrader configuration of the course (the course directory is this folder).

Instructors run nbgrader from here (``cd autograder && nbgrader ...``) or through the
Makefile (``make release``, ``make grade``), which pass this file explicitly.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "optim-course"

# What a student sees in place of each solution region.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# nbgrader 0.9.6 ignores ExecutePreprocessor.timeout during autograde; Execute.timeout is
# the per-cell limit that applies.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
