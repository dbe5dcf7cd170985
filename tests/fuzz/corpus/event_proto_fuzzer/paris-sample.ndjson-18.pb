
u
civ-2015-0022P0022H020"
etat-civil*€Â¯ð2
arrondissement2

birth_date	2ßB	P0020B	P0021