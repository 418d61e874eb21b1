def report(failure):
    # A check failed: the explanation is the message printed just below.
    raise failure
