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
# Every kernel nbgrader runs from here (validate, autograde by hand) is reached through the
# course's client, as make grade's are: its channels look at the socket again every second, so a
# missed zmq wake-up cannot hold a cell until its timeout (autograder/grading/channels.py).
from autograder.grading.channels import CLIENT_CLASS  # noqa: E402

c.AsyncKernelManager.client_class = CLIENT_CLASS

# Feedback pages, whichever path makes them (`make grade`, `nbgrader generate_feedback`, the
# formgrader's "Generate Feedback" button): the student's view of the notebook (hidden tests
# stripped, the trusted verdicts as test outputs, no traceback of the grading kernel), then the
# scores and comments of the gradebook (hand grades included), then a self-contained page
# (figures inlined, long lines wrapped). See autograder/grading/feedback.py.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from autograder.grading.feedback import FeedbackPage, StudentView  # noqa: E402

c.GenerateFeedback.preprocessors = [StudentView, GetGrades, CSSHTMLHeaderPreprocessor]
c.GenerateFeedback.exporter_class = FeedbackPage

# Late work. Due dates live in the gradebook (`nbgrader db assignment add NAME --duedate=...`, or
# formgrader's "Manage Assignments"); `make grade` keeps them and compares each submission's
# timestamp.txt (plus any extension) with them. What a late submission costs is nbgrader's
# late-submission plugin:
#   "none" (default): lateness is reported in grades.csv, no penalty;
#   "zero": a late notebook scores 0 (the penalty is the whole score).
# For another rule (e.g. 10 % per day), write a subclass of nbgrader.plugins.LateSubmissionPlugin
# and name it in AssignLatePenalties.plugin_class.
c.AssignLatePenalties.plugin_class = "nbgrader.plugins.LateSubmissionPlugin"
c.LateSubmissionPlugin.penalty_method = "none"

# `nbgrader export` (by hand, or formgrader) writes the same grades.csv as `make grade`: an
# answer still waiting for a hand grade leaves its submission's score blank, not a partial sum.
from autograder.grading.export import CourseCsvExport  # noqa: E402

c.ExportApp.plugin_class = CourseCsvExport
