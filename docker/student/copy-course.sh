# Sourced by the Jupyter Docker Stacks start script before the server starts (before-notebook.d).
# Copies the released course into ~/course, adding only files the student does not have: their
# own edits and saved work are never overwritten.
if [ -d /opt/optim-course/notebooks ]; then
    mkdir -p "${HOME}/course"
    cp -r -n /opt/optim-course/notebooks/. "${HOME}/course/" \
        || echo "copy-course: could not copy the course into ${HOME}/course" >&2
fi
