# doc/man-estimators.awk: writes doc/ope.1 from doc/ope.1.in, replacing
# @BANDIT_ESTIMATORS@ and @TRAJECTORY_ESTIMATORS@ with the registry's names, read from
# `ope help estimators --names` (first file: "KIND NAME" lines), so the man page's
# lists cannot fall behind the registry.
FNR == NR {
    name = $2
    gsub(/-/, "\\-", name)
    item = "\\fB" name "\\fR"
    if ($1 == "bandit") b[nb++] = item
    else if ($1 == "trajectory") t[nt++] = item
    next
}
function join(a, n,    s, i) {
    s = ""
    for (i = 0; i < n; i++)
        s = s (i == 0 ? "" : (i == n - 1 ? " and " : ", ")) a[i]
    return s
}
{
    gsub(/@BANDIT_ESTIMATORS@/, join(b, nb))
    gsub(/@TRAJECTORY_ESTIMATORS@/, join(t, nt))
    print
}
