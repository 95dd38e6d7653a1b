/* datasets/env_gridworld.c: a cliff gridworld with walls, pits and a goal
 * (environments.md): the short path to the goal runs along a row of pits, a longer
 * safe one goes round a wall, and moves slip sideways -- a small risk (CVaR) demo. */
#include "config.h"
#include "datasets/env.h"
#include "datasets/mdp.h"

#include <math.h>

static const struct env_param params[] = {
    {"width", 5, 3, 100, 1, "columns"},
    {"height", 5, 3, 100, 1, "rows"},
    {"slip", 0.1, 0, 1, 0, "probability that a move goes sideways (half to each side)"},
    {"goal", 1.0, -1e6, 1e6, 0, "reward on entering the goal (episode ends)"},
    {"pit", -10.0, -1e6, 1e6, 0, "reward on falling into a pit (episode ends)"},
    {"step", -0.01, -1e6, 1e6, 0, "reward of every move"},
    {NULL, 0, 0, 0, 0, NULL}
};

enum cell { FREE, WALL, PIT, GOAL };

/* Layout, y = 0 the bottom row: start (0,0), goal (W-1,0), pits (1..W-2, 0), and a
 * wall in column W/2 over rows 2..H-2, so the way round is via row 1 (next to the
 * pits) or the top row. */
static enum cell cell_at(int W, int H, int x, int y)
{
    if (y == 0 && x == W - 1)
        return GOAL;
    if (y == 0 && x > 0)
        return PIT;
    if (x == W / 2 && y >= 2 && y <= H - 2)
        return WALL;
    return FREE;
}

/* Target of moving from (x,y) in direction d (0 up, 1 right, 2 down, 3 left):
 * blocked by the border or a wall means staying put. */
static int move(int W, int H, int x, int y, int d)
{
    static const int dx[4] = {0, 1, 0, -1}, dy[4] = {1, 0, -1, 0};
    int nx = x + dx[d], ny = y + dy[d];
    if (nx < 0 || nx >= W || ny < 0 || ny >= H || cell_at(W, H, nx, ny) == WALL)
        return y * W + x;
    return ny * W + nx;
}

static struct mdp *build(const double *v, struct ope_error *err)
{
    int W = (int)v[0], H = (int)v[1];
    double slip = v[2];
    struct mdp *m = mdp_new(W * H, 4, err);
    static const char *const names[] = {"up", "right", "down", "left"};
    if (!m || mdp_set_action_names(m, names, err) < 0 || mdp_alloc_rsas(m, err) < 0) {
        mdp_free(m);
        return NULL;
    }
    size_t S = (size_t)W * (size_t)H;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int s = y * W + x;
            enum cell c = cell_at(W, H, x, y);
            m->terminal[s] = c == PIT || c == GOAL;
            for (int a = 0; a < 4; a++) {
                size_t sa = (size_t)s * 4 + (size_t)a;
                if (c == WALL) {            /* unreachable: a harmless self-loop */
                    m->P[sa * S + (size_t)s] = 1.0;
                    continue;
                }
                m->P[sa * S + (size_t)move(W, H, x, y, a)] += 1.0 - slip;
                m->P[sa * S + (size_t)move(W, H, x, y, (a + 1) % 4)] += slip / 2;
                m->P[sa * S + (size_t)move(W, H, x, y, (a + 3) % 4)] += slip / 2;
                for (size_t t = 0; t < S; t++) {
                    enum cell ct = cell_at(W, H, (int)(t % (size_t)W), (int)(t / (size_t)W));
                    m->Rsas[sa * S + t] = v[5] + (ct == PIT ? v[4] : ct == GOAL ? v[3] : 0.0);
                }
            }
        }
    m->mu0[0] = 1.0;
    return m;       /* mdp_finalize derives R(s,a) from Rsas */
}

/* An episode takes between 1 and H steps, each paying `step`, and ends at most once in
 * a pit or the goal, which adds `pit` or `goal`. */
static void return_range(const double *v, int horizon, double *lo, double *hi)
{
    double H = (double)horizon;
    *lo = fmin(v[5], H * v[5]) + fmin(0.0, fmin(v[3], v[4]));
    *hi = fmax(v[5], H * v[5]) + fmax(0.0, fmax(v[3], v[4]));
}

static void shape(const double *v, int *S, int *A, int *rsas)
{
    *S = (int)v[0] * (int)v[1];
    *A = 4;
    *rsas = 1;              /* the reward depends on the cell entered */
}

const struct env_desc env_gridworld = {
    "gridworld", "Cliff gridworld with walls, pits and a goal",
    "width x height cells, state = y*width + x (y = 0 the bottom row); actions up (0),\n"
    "right (1), down (2), left (3); a move goes sideways with probability slip (half\n"
    "each side), and into a wall or the border stays put. Start (0,0); goal (width-1,0);\n"
    "pits along the bottom row between them; a wall in column width/2 over rows\n"
    "2..height-2. Entering the goal pays `goal`, a pit `pit` (both end the episode);\n"
    "every move also pays `step`. Wall cells are unreachable states. Memory: with\n"
    "S = width*height, P(s'|s,a) and r(s,a,s') take 2*4*S*S*8 bytes (6.4 GB at\n"
    "100 x 100), within the 8 GiB limit.",
    30, params, build, return_range, shape
};
