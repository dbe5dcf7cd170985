
Ÿ
civ-2023-0001P0001H001"
etat-civil* ç 2(
address_key*75011:rue-oberkampf:1122
arrondissement2

birth_date	2çB	P0002B	P0003