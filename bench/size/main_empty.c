/* The baseline every row subtracts. */
int main(void)
{
    return 0;
}
