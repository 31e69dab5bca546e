// Placeholder until the receiver lands.
int main() { return 1; }
