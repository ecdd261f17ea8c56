int static_a_run(void);
int static_b_run(void);
int main(void) { return static_a_run() + static_b_run(); }
